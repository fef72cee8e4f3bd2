using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Sanpool.Core.Tools;

/// <summary>
/// Starts every program Sanpool runs: one-shot tools (through <see cref="ExternalTool"/>) and
/// long-running children (qemu, the lease daemon, a local pool's agents, the demo's hosts).
/// The same rules for all:
/// <list type="bullet">
/// <item>an argv list, never a shell line, so no argument is ever re-parsed;</item>
/// <item>the program found by <see cref="ToolLocator"/>, so lvm and losetup are found in sbin
/// even under a PATH without it;</item>
/// <item>stdin closed at once: a child that reads it sees end of file instead of waiting on
/// our terminal or hanging at a prompt;</item>
/// <item>a program that cannot be run is a <see cref="SanpoolException"/> naming the command;</item>
/// <item>the .NET runtime's tiering held back in the child (<see cref="StartupEnvironment"/>),
/// unless this process's environment or the caller says otherwise.</item>
/// </list>
/// The caller owns the returned process: it waits for, signals and disposes it.
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Redirects in the child, then becomes the program (exec), so the pid is the program's and
    /// the shell parses nothing: the log file is <c>$0</c> and the argv <c>"$@"</c>, both data.
    /// </summary>
    private const string ExecWithLog = "exec \"$@\" >>\"$0\" 2>&1";

    /// <summary>
    /// Given to every child (a program that is not .NET ignores it). The .NET children we start
    /// (agents, lease daemons, the CLI, the engine) are mostly idle or short-lived, and by
    /// default the runtime recompiles at tier 1 every method called 30 times once start-up has
    /// been quiet for 100 ms: for an agent, most of that is start-up code that never runs
    /// again. Measured on a 3-host demo pool, an agent spent 2.8 CPU-s from its start until an
    /// SPM served, and 1.8 with tier 1 held back until 10 s pass without a new method compiled;
    /// the code that keeps running is still compiled at tier 1 after that.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> StartupEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_TC_CallCountingDelayMs"] = "10000",
    };

    public static Process Start(IReadOnlyList<string> argv, ChildProcessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentOutOfRangeException.ThrowIfZero(argv.Count);
        options ??= ChildProcessOptions.Default;
        if ((options.OnOutputLine is not null ? 1 : 0) + (options.LogFile is not null ? 1 : 0) + (options.PipeOutput ? 1 : 0) > 1)
        {
            throw new ArgumentException("at most one of OnOutputLine, LogFile and PipeOutput", nameof(options));
        }

        string? searchPath = options.Environment?.GetValueOrDefault("PATH") ?? Environment.GetEnvironmentVariable("PATH");
        string program = ToolLocator.TryFind(argv[0], searchPath) ?? argv[0];
        var info = options.LogFile is { } log
            ? Arguments(new ProcessStartInfo("/bin/sh"), ["-c", ExecWithLog, log, program, .. argv.Skip(1)])
            : Arguments(new ProcessStartInfo(program), argv.Skip(1));
        info.UseShellExecute = false;
        info.RedirectStandardInput = true;
        bool lines = options.OnOutputLine is not null;
        if (lines || options.PipeOutput)
        {
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.StandardOutputEncoding = Encoding.UTF8;
            info.StandardErrorEncoding = Encoding.UTF8;
        }

        foreach (var (name, value) in StartupEnvironment)
        {
            if (System.Environment.GetEnvironmentVariable(name) is null)
            {
                info.Environment[name] = value;
            }
        }

        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        if (options.OnOutputLine is { } onLine)
        {
            process.OutputDataReceived += (_, e) => Deliver(onLine, e.Data);
            process.ErrorDataReceived += (_, e) => Deliver(onLine, e.Data);
        }

        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new SanpoolException(options.MissingCode, $"cannot run {ExternalTool.CommandLine(argv)}: {e.Message}", innerException: e);
        }

        process.StandardInput.Close();
        if (lines)
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return process;
    }

    private static ProcessStartInfo Arguments(ProcessStartInfo info, IEnumerable<string> arguments)
    {
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static void Deliver(Action<string> onLine, string? line)
    {
        // null marks the end of the stream, not a line.
        if (line is not null)
        {
            onLine(line);
        }
    }
}
