using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sanpool.LeaseDaemon;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Protocol;
using Spectre.Console;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The lease daemon's client verbs, under <c>sanpool lease</c> (as <c>sanlock client ...</c>):
/// add-lockspace, rem-lockspace, acquire, release, inquire, status, host-status, command. Each
/// talks to the daemon of <c>--run-dir</c> (default $SANPOOL_RUN_DIR or /run/sanpool).
/// acquire, release and inquire act for a registered client process named by <c>-p PID</c>:
/// a resource belongs to a process and lives as long as it, so this command (which exits at
/// once) can only act for a process that registered itself, as <c>command</c> does.
/// </summary>
public static class DaemonCommands
{
    public static IEnumerable<Command> Create() =>
    [
        AddLockspace(),
        RemLockspace(),
        Acquire(),
        Release(),
        Inquire(),
        Status(),
        HostStatus(),
        ClientCommand(),
    ];

    internal static Option<string> RunDirOption() => new("--run-dir")
    {
        Description = $"The daemon's run directory, holding its socket and pid file (default: ${LeaseDaemonPaths.RunDirVariable} or {LeaseDaemonPaths.DefaultRunDirectory}).",
        HelpName = "DIR",
        DefaultValueFactory = _ => LeaseDaemonPaths.DefaultRunDir(),
    };

    private static Option<string[]> ResourcesOption(bool required) => new("--resource", "-r")
    {
        Description = "A resource, LS:RES:PATH:OFFSET; repeat -r for more.",
        HelpName = "LS:RES:PATH:OFFSET",
        Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
        Required = required,
    };

    private static Option<int> PidOption() => new("--pid", "-p")
    {
        Description = "The registered client process to act for.",
        Required = true,
    };

    private static Command AddLockspace()
    {
        var ls = LeaseOptions.Lockspace("The lockspace and this host's id in it (1..max hosts).");
        ls.Required = true;
        var io = LeaseOptions.IoTimeout();
        var runDir = RunDirOption();
        var cmd = new Command("add-lockspace", "Join a lockspace: the daemon acquires the host id (with sanlock's delays) and renews it until rem-lockspace.") { ls, io, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            await client.AddLockspaceAsync(p.GetRequiredValue(ls), p.GetValue(io), ct);
            Console.WriteLine($"add_lockspace {p.GetRequiredValue(ls)} done");
            return 0;
        });
        return cmd;
    }

    private static Command RemLockspace()
    {
        var ls = LeaseOptions.Lockspace("The lockspace to leave (LS:ID:PATH:OFFSET, or just its name).");
        ls.Required = true;
        var force = new Option<bool>("--force") { Description = "Even with resources held in it: kill their holders (SIGTERM, then SIGKILL), release, then leave." };
        var runDir = RunDirOption();
        var cmd = new Command("rem-lockspace", "Leave a lockspace: release the host id. Refused while resources are held in it, unless --force.") { ls, force, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            await client.RemLockspaceAsync(p.GetRequiredValue(ls), p.GetValue(force), ct);
            Console.WriteLine($"rem_lockspace {p.GetRequiredValue(ls)} done");
            return 0;
        });
        return cmd;
    }

    private static Command Acquire()
    {
        var res = ResourcesOption(required: true);
        var pid = PidOption();
        var shared = new Option<bool>("--shared") { Description = "Hold the resources shared." };
        var noWait = new Option<bool>("--no-wait") { Description = "Fail at once if a silent host owns a resource, instead of waiting host_dead." };
        var runDir = RunDirOption();
        var cmd = new Command("acquire", "Acquire resources for a registered client process; they are released when it exits.") { res, pid, shared, noWait, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            var options = new AcquireOptions { Pid = p.GetValue(pid), Shared = p.GetValue(shared), NoWait = p.GetValue(noWait) };
            foreach (var r in await client.AcquireAsync(p.GetRequiredValue(res), options, ct))
            {
                Console.WriteLine($"acquire pid {p.GetValue(pid)} {r.State}");
            }

            return 0;
        });
        return cmd;
    }

    private static Command Release()
    {
        var res = ResourcesOption(required: false);
        var pid = PidOption();
        var runDir = RunDirOption();
        var cmd = new Command("release", "Release resources of a registered client process (all of them without -r).") { res, pid, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            await client.ReleaseAsync(p.GetValue(res) ?? [], p.GetValue(pid), ct);
            Console.WriteLine($"release pid {p.GetValue(pid)} done");
            return 0;
        });
        return cmd;
    }

    private static Command Inquire()
    {
        var pid = PidOption();
        var runDir = RunDirOption();
        var cmd = new Command("inquire", "Print the resources a registered client process holds, as LS:RES:PATH:OFFSET:LVER.") { pid, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            var reply = await client.InquireAsync(p.GetValue(pid), ct);
            foreach (var r in reply.Resources)
            {
                Console.WriteLine($"-r {r.State}");
            }

            return 0;
        });
        return cmd;
    }

    private static Command HostStatus()
    {
        var ls = new Option<string>("--lockspace", "-s") { Description = "The lockspace name.", HelpName = "LS", Required = true };
        var runDir = RunDirOption();
        var cmd = new Command("host-status", "Every host's liveness in a lockspace, as this host sees it.") { ls, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            var reply = await client.HostStatusAsync(p.GetRequiredValue(ls), ct);
            AnsiConsole.Write(HostTable(reply.Lockspace, reply.Hosts));
            return 0;
        });
        return cmd;
    }

    private static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "Print the daemon's reply as JSON." };
        var runDir = RunDirOption();
        var cmd = new Command("status", "The daemon's lockspaces (host id, generation, renewal age, host liveness) and its clients with their resources.") { json, runDir };
        CliAction.Set(cmd, async (p, ct) =>
        {
            await using var client = await LeaseDaemonClient.ConnectAsync(p.GetRequiredValue(runDir), ct);
            var status = await client.StatusAsync(ct);
            if (p.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, ProtocolJsonContext.Default.StatusReply));
                return 0;
            }

            PrintStatus(status);
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// <c>command -r RES... -c PROG ARGS...</c>: register, acquire, then exec PROG in place of
    /// this process (as <c>sanlock client command</c>). PROG keeps the pid and the registered
    /// connection, so its resources are released when it exits, and it is what gets killed if
    /// the lockspace fails. Everything after PROG is its arguments, options included.
    /// </summary>
    private static Command ClientCommand()
    {
        var res = ResourcesOption(required: true);
        var shared = new Option<bool>("--shared") { Description = "Hold the resources shared." };
        // "-c PROG ARGS...": -c only marks where the program starts; PROG and everything after
        // it (options included, as in "-c /bin/sh -c 'cmd'") are captured verbatim.
        var dashC = new Option<bool>("--command", "-c") { Description = "Everything after -c is the program and its arguments.", Arity = ArgumentArity.Zero };
        var argv = new Argument<string[]>("PROG ARGS") { Arity = ArgumentArity.OneOrMore, CaptureRemainingTokens = true, Description = "The program to run holding the resources, and its arguments." };
        var runDir = RunDirOption();
        var cmd = new Command("command", "Acquire resources, then run a program in this process's place; the resources are released when it exits.")
        {
            res, shared, runDir, dashC, argv,
        };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var command = p.GetRequiredValue(argv);
            if (!p.GetValue(dashC))
            {
                throw Core.CommonErrors.Invalid("give the program after -c: command -r RES -c PROG ARGS...");
            }

            await LeaseCommand.ExecAsync(p.GetRequiredValue(runDir), p.GetRequiredValue(res), new AcquireOptions { Shared = p.GetValue(shared) },
                command[0], command[1..], ct);
            return 0; // not reached: on success this process is the program now
        });
        return cmd;
    }

    private static void PrintStatus(StatusReply status)
    {
        AnsiConsole.MarkupLine($"host [bold]{Markup.Escape(status.HostName)}[/], daemon pid {status.DaemonPid}");
        var ls = new Table().AddColumns("lockspace", "host id", "generation", "state", "renewal age", "io_timeout", "path:offset");
        foreach (var l in status.Lockspaces)
        {
            ls.AddRow(Cells(l.Name, N(l.HostId), N(l.Generation), l.FailReason is null ? l.State : $"{l.State}: {l.FailReason}",
                $"{N(l.RenewalAge)} s", $"{N(l.IoTimeout)} s", $"{l.Path}:{N(l.Offset)}"));
        }

        AnsiConsole.Write(ls);
        foreach (var l in status.Lockspaces)
        {
            AnsiConsole.Write(HostTable(l.Name, l.Hosts));
        }

        var clients = new Table().AddColumns("pid", "state", "heartbeat", "resources");
        foreach (var c in status.Clients)
        {
            clients.AddRow(Cells(N(c.Pid), c.State, c.HeartbeatMs is int ms ? $"{N(ms)} ms" : "-",
                c.Resources.Count == 0 ? "-" : string.Join('\n', c.Resources.Select(r => r.State))));
        }

        AnsiConsole.Write(clients);
    }

    private static Table HostTable(string lockspace, IReadOnlyList<HostInfo> hosts)
    {
        var table = new Table().Title($"hosts in {Markup.Escape(lockspace)}").AddColumns("host id", "name", "generation", "timestamp", "state", "last change");
        foreach (var h in hosts)
        {
            table.AddRow(Cells(N(h.HostId), h.HostName, N(h.Generation), N(h.Timestamp), h.State, $"{N(h.LastLiveAge)} s ago"));
        }

        return table;
    }

    private static string[] Cells(params string[] cells) => [.. cells.Select(Markup.Escape)];

    private static string N<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
