using System.Diagnostics;
using System.Globalization;
using Sanpool.Core;
using Sanpool.Core.Tools;
using Sanpool.DataPath;

namespace Sanpool.Cli.Demo;

/// <summary>
/// The pool demo's run directories under <c>--work-dir</c>: one <c>pool-*</c> directory per run,
/// marked with a file naming the demo process that made it. A later run removes what an
/// earlier one left (after Ctrl-C it keeps only small logs; after a kill -9 also agents, FUSE
/// mounts and loop devices) — but only in directories with that marker whose demo process is
/// gone, and of those only agents started with a config inside them and loop devices backed by
/// a file inside them. Nothing else in the work dir is touched.
/// </summary>
internal static class DemoWorkDir
{
    private const string Prefix = "pool-";
    private const string Marker = "sanpool-demo.run";

    /// <summary>Makes this run's directory and marks it as this process's.</summary>
    public static string Create(string workDir)
    {
        string root = Path.GetFullPath(workDir);
        string dir = Path.Combine(root, $"{Prefix}{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        using var self = Process.GetCurrentProcess();
        File.WriteAllText(Path.Combine(dir, Marker), string.Create(CultureInfo.InvariantCulture, $"{self.Id} {StartTicks(self)}\n"));
        return dir;
    }

    /// <summary>Removes earlier runs' leftovers under <paramref name="workDir"/>; returns one line per directory dealt with.</summary>
    public static async Task<IReadOnlyList<string>> CleanStaleAsync(string workDir, CancellationToken cancellationToken)
    {
        string root = Path.GetFullPath(workDir);
        var done = new List<string>();
        if (!Directory.Exists(root))
        {
            return done;
        }

        foreach (string dir in Directory.GetDirectories(root, Prefix + "*").Order(StringComparer.Ordinal))
        {
            string marker = Path.Combine(dir, Marker);
            if (!File.Exists(marker))
            {
                continue; // not made by this demo: not ours to remove
            }

            if (OwnerAlive(File.ReadAllText(marker)) is int pid)
            {
                done.Add($"{dir}: in use by a running demo (pid {pid}); left alone");
                continue;
            }

            done.Add(await CleanAsync(dir, cancellationToken).ConfigureAwait(false));
        }

        return done;
    }

    /// <summary>Loop devices whose backing file lies under <paramref name="dir"/>: /dev/loopN and the file.</summary>
    public static IReadOnlyList<(string Device, string File)> LoopsUnder(string dir)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)) + "/";
        var found = new List<(string, string)>();
        foreach (string sys in Directory.GetDirectories("/sys/block", "loop*"))
        {
            string backing;
            try
            {
                backing = File.ReadAllText(Path.Combine(sys, "loop", "backing_file")).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // not attached
            }

            if (backing.StartsWith(root, StringComparison.Ordinal))
            {
                found.Add(("/dev/" + Path.GetFileName(sys), backing));
            }
        }

        return found;
    }

    private static async Task<string> CleanAsync(string dir, CancellationToken cancellationToken)
    {
        var what = new List<string>();
        int killed = await KillAgentsAsync(dir, cancellationToken).ConfigureAwait(false);
        if (killed > 0)
        {
            what.Add($"{killed} agent(s) killed");
        }

        var unmounted = await VolumeFileSystem.CleanupStaleAsync(dir, cancellationToken).ConfigureAwait(false);
        if (unmounted.Count > 0)
        {
            what.Add($"{unmounted.Count} stale FUSE mount(s) unmounted");
        }

        foreach (var (device, file) in LoopsUnder(dir))
        {
            await ExternalTool.RunAsync(["losetup", "-d", device], TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            what.Add($"{device} ({Path.GetFileName(file)}) detached");
        }

        if (File.ReadAllText("/proc/self/mountinfo").Contains(" " + dir + "/", StringComparison.Ordinal))
        {
            return $"{dir}: something is still mounted below it; left in place";
        }

        Directory.Delete(dir, recursive: true);
        what.Add("removed");
        return $"{dir}: {string.Join(", ", what)}";
    }

    /// <summary>SIGKILL to every process still running an agent with its config in <paramref name="dir"/> (left by a demo that was killed).</summary>
    private static async Task<int> KillAgentsAsync(string dir, CancellationToken cancellationToken)
    {
        string prefix = dir + "/";
        var pids = new List<int>();
        foreach (string proc in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(proc, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            int config = Array.IndexOf(argv, "--config");
            if (config > 0 && config + 1 < argv.Length && argv.AsSpan(0, config).Contains("agent") && argv[config + 1].StartsWith(prefix, StringComparison.Ordinal))
            {
                pids.Add(pid);
            }
        }

        foreach (int pid in pids)
        {
            Signals.Kill(pid, Signals.SIGKILL);
        }

        // The kernel closes a killed process's loop device and FUSE files as it exits; wait for that.
        for (int i = 0; i < 100 && pids.Any(p => Directory.Exists($"/proc/{p}")); i++)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return pids.Count;
    }

    /// <summary>The marker's pid if that process still runs and is the one that wrote it (same start time), else null.</summary>
    private static int? OwnerAlive(string marker)
    {
        var parts = marker.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid) || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long ticks))
        {
            return null;
        }

        try
        {
            using var p = Process.GetProcessById(pid);
            return StartTicks(p) == ticks ? pid : null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static long StartTicks(Process p) => p.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;
}
