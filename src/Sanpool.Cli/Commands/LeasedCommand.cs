using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sanpool.LeaseDaemon;
using Sanpool.LeaseDaemon.Hosting;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool leased</c>: this host's lease daemon (as <c>sanlock daemon</c>). By default it
/// starts in the background, logging to RUN_DIR/sanpool-leased.log, and the command returns
/// once the daemon answers; <c>--foreground</c> runs it here, logging to stderr. SIGTERM or
/// SIGINT stop it cleanly: every resource released, every lockspace left.
/// </summary>
public static class LeasedCommand
{
    public const string LogFileName = "sanpool-leased.log";

    public static Command Create()
    {
        var runDir = DaemonCommands.RunDirOption();
        var host = LeaseOptions.HostName();
        var foreground = new Option<bool>("--foreground", "-D") { Description = "Run in the foreground, logging to stderr." };
        var threshold = new Option<double?>("--stopped-threshold")
        {
            Description = "Seconds a holder may stay stopped (SIGSTOP) before it is killed (default: 2 x the io_timeout of its lockspace).",
            HelpName = "SECONDS",
        };
        var logFile = new Option<string?>("--log-file") { Hidden = true, Description = "Detach and log here (how the background daemon is started)." };
        var cmd = new Command("leased", "Run this host's lease daemon: joins lockspaces, renews host ids, acquires resources for client processes and fences holders that must lose them.")
        {
            runDir, host, foreground, threshold, logFile,
        };
        CliAction.Set(cmd, async (p, ct) =>
        {
            string dir = Path.GetFullPath(p.GetRequiredValue(runDir));
            string hostName = p.GetRequiredValue(host);
            var stopped = p.GetValue(threshold) is double s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            if (p.GetValue(foreground))
            {
                return await RunAsync(new LeaseDaemonOptions(dir, hostName) { StoppedHolderThreshold = stopped }, p.GetValue(logFile), ct);
            }

            return await StartInBackgroundAsync(dir, hostName, stopped, ct);
        });
        return cmd;
    }

    private static async Task<int> RunAsync(LeaseDaemonOptions options, string? logFile, CancellationToken ct)
    {
        if (logFile is not null)
        {
            DaemonProcess.Detach(logFile);
        }

        using var logs = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
                o.ColorBehavior = logFile is null ? LoggerColorBehavior.Default : LoggerColorBehavior.Disabled;
            })
            .SetMinimumLevel(LogLevel.Information));
        await using var daemon = new LeaseDaemon.LeaseDaemon(options with { LoggerFactory = logs });
        await daemon.RunAsync(ct); // until SIGTERM/SIGINT, then releases and leaves
        return 0;
    }

    private static async Task<int> StartInBackgroundAsync(string runDir, string hostName, TimeSpan? stopped, CancellationToken ct)
    {
        Directory.CreateDirectory(runDir);
        string log = Path.Combine(runDir, LogFileName);
        List<string> argv = [.. DaemonProcess.Self(), "leased", "--foreground", "--run-dir", runDir, "--host-name", hostName, "--log-file", log];
        if (stopped is { } s)
        {
            argv.AddRange(["--stopped-threshold", s.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        }

        int pid = await DaemonProcess.StartAsync(argv, runDir, log, TimeSpan.FromSeconds(15), ct);
        Console.WriteLine($"sanpool leased: host '{hostName}', pid {pid}, socket {LeaseDaemonPaths.Socket(runDir)}, log {log}");
        return 0;
    }
}
