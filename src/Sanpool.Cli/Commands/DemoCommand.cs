using System.CommandLine;
using Sanpool.Cli.Demo;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool demo</c>: what ./run.sh runs (the pool demo); <c>sanpool demo leases</c>: the lease layer alone.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var hosts = new Option<int>("--hosts") { Description = "Hosts in the pool, one agent process each (1-16).", DefaultValueFactory = _ => 3 };
        var domains = new Option<int>("--domains") { Description = "Block domains, one loop-device LUN each; the first is the master (1-4).", DefaultValueFactory = _ => 2 };
        var io = new Option<int>("--io-timeout", "-o") { Description = "io_timeout in seconds.", DefaultValueFactory = _ => 1 };
        var snapshots = new Option<int>("--snapshots") { Description = "Snapshots to take of the disk (0-20).", DefaultValueFactory = _ => 3 };
        var dir = WorkDir("Where this run's directory (LUN files, host configs, sockets, logs) goes; a previous run's leftovers there are removed.");
        var noWait = new Option<bool>("--no-wait") { Description = "Exit after printing instead of running until Ctrl-C." };
        var crash = new Option<bool>("--crash") { Description = "After the chains, kill -9 the SPM and show another host take over (waits host_dead, 68 s at io_timeout 1)." };
        var cmd = new Command("demo",
            "Run a pool of several hosts on this machine: block domains on loop-device LUNs, one agent process per host. They elect an SPM, " +
            "which creates a disk and snapshots it; prints the pool status from every host and the volume chains, then runs until Ctrl-C " +
            "and cleans up (agents stopped, loop devices detached). Needs root (losetup, lvm).")
        {
            hosts, domains, io, snapshots, dir, noWait, crash, Leases(),
        };
        CliAction.Set(cmd, (p, ct) =>
        {
            var options = new PoolDemoOptions(
                Range(p.GetValue(hosts), "--hosts", 1, 16),
                Range(p.GetValue(domains), "--domains", 1, 4),
                LeaseDirectCommands.CheckIoTimeout(p.GetValue(io)),
                Range(p.GetValue(snapshots), "--snapshots", 0, 20),
                p.GetRequiredValue(dir),
                Wait: !p.GetValue(noWait),
                Crash: p.GetValue(crash));
            return new PoolDemo(options).RunAsync(ct);
        });
        return cmd;
    }

    /// <summary>The earlier demo, of the lease layer alone: lease daemons sharing one resource, then a crash and a takeover.</summary>
    private static Command Leases()
    {
        var hosts = new Option<int>("--hosts") { Description = "Hosts (lease daemons) sharing the LUN.", DefaultValueFactory = _ => 3 };
        var io = new Option<int>("--io-timeout", "-o") { Description = "io_timeout in seconds.", DefaultValueFactory = _ => 1 };
        var rounds = new Option<int>("--rounds") { Description = "How many times the resource is held before the crash.", DefaultValueFactory = _ => 8 };
        var noCrash = new Option<bool>("--no-crash") { Description = "Skip the crash and takeover (which waits host_dead, 68 s at io_timeout 1)." };
        var dir = WorkDir("Where the LUN's backing file and host run dirs go.");
        var cmd = new Command("leases",
            "Run a local cluster on a loop-device LUN: several hosts as separate processes, one lockspace, " +
            "one resource changing hands, then a host crash and a safe takeover. Needs root (losetup).")
        {
            hosts, io, rounds, noCrash, dir,
        };
        CliAction.Set(cmd, (p, ct) =>
        {
            var options = new DemoOptions(Range(p.GetValue(hosts), "--hosts", 2, 16), LeaseDirectCommands.CheckIoTimeout(p.GetValue(io)),
                Math.Max(1, p.GetValue(rounds)), !p.GetValue(noCrash), p.GetRequiredValue(dir));
            return new LeaseDemo(options).RunAsync(ct);
        });
        return cmd;
    }

    private static Option<string> WorkDir(string description) =>
        new("--work-dir") { Description = description, DefaultValueFactory = _ => "/var/tmp/sanpool-demo" };

    private static int Range(int value, string option, int min, int max) =>
        value >= min && value <= max ? value : throw new UsageException($"{option} {value}: give {min} to {max}");
}
