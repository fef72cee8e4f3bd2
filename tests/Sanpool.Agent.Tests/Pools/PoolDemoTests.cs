using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// The main job as ./run.sh runs it: the real <c>sanpool demo</c> process (with --no-wait),
/// judged by what it prints and by what it leaves behind. Needs root, loop devices, lvm2 and
/// qemu-img.
/// </summary>
public sealed partial class PoolDemoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task The_demo_elects_an_SPM_prints_base_and_two_snapshots_and_a_refusal_naming_the_SPM_and_leaves_no_loop_device()
    {
        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        Requires.Tool("qemu-img", "qemu-utils");
        using var dir = new TempDir("demo");
        var lines = new ConcurrentQueue<string>();
        List<string> leftLoops;
        int exitCode;
        try
        {
            exitCode = await RunDemoAsync(dir.Path, lines);
            leftLoops = LoopsBackedUnder(dir.Path);
        }
        finally
        {
            await RemoveLeftoversAsync(dir.Path);
        }

        string text = string.Join('\n', lines);
        output.WriteLine(text);
        Assert.Equal(0, exitCode);
        Assert.Empty(leftLoops);

        var elected = SpmElected().Match(text);
        Assert.True(elected.Success, "no line says which host is SPM");
        string spm = elected.Groups["host"].Value;

        // The status table: the SPM says SPM, every other host reads the same SPM from the pool keys.
        var roles = StatusRow().Matches(text).Select(m => (Host: m.Groups["host"].Value, Role: m.Groups["role"].Value, Spm: m.Groups["spm"].Value)).ToList();
        Assert.Equal(3, roles.Count);
        Assert.Equal([spm], roles.Where(r => r.Role == "SPM").Select(r => r.Host));
        Assert.All(roles, r => Assert.Equal($"host{spm}", r.Spm));

        // The chain, in dump-volume-chains' layout: base and first snapshot INTERNAL, the second the LEAF.
        var summary = ChainSummary().Match(text);
        Assert.True(summary.Success, "no line sums up the disk's chain as base + 2 snapshots");
        var dumped = Regex.Matches(text[..summary.Index], @"voltype: (INTERNAL|LEAF), format: COW, legality: LEGAL").Select(m => m.Groups[1].Value);
        Assert.Equal(["INTERNAL", "INTERNAL", "LEAF"], dumped);

        var refused = Refusal().Match(text);
        Assert.True(refused.Success, "no host refused snapshot.create with NOT_SPM");
        Assert.NotEqual(spm, refused.Groups["host"].Value);
        Assert.Equal(spm, refused.Groups["spm"].Value);
    }

    /// <summary>Runs the demo to its end; past the budget it gets SIGTERM (it cleans up on that as on Ctrl-C), then SIGKILL.</summary>
    private static async Task<int> RunDemoAsync(string workDir, ConcurrentQueue<string> lines)
    {
        using var demo = SanpoolCli.Start(["demo", "--no-wait", "--snapshots", "2", "--work-dir", workDir], lines.Enqueue);
        using var budget = new CancellationTokenSource(Budget);
        try
        {
            await demo.WaitForExitAsync(budget.Token);
        }
        catch (OperationCanceledException)
        {
            await ToolRunner.StopAsync(demo, TimeSpan.FromSeconds(90));
            throw new TimeoutException($"sanpool demo did not finish within {Budget.TotalMinutes} min:\n{string.Join('\n', lines)}");
        }

        await demo.WaitForExitAsync(); // the last lines of output
        return demo.ExitCode;
    }

    /// <summary>Loop devices whose backing file lies under <paramref name="dir"/>, from /sys/block/loop*/loop/backing_file.</summary>
    private static List<string> LoopsBackedUnder(string dir)
    {
        string root = Path.TrimEndingDirectorySeparator(dir) + "/";
        return [.. Directory.GetDirectories("/sys/block", "loop*")
            .Select(sys => (Device: "/dev/" + Path.GetFileName(sys), File: Path.Combine(sys, "loop", "backing_file")))
            .Where(l => File.Exists(l.File) && File.ReadAllText(l.File).Trim().StartsWith(root, StringComparison.Ordinal))
            .Select(l => l.Device)];
    }

    /// <summary>
    /// Only if the demo failed to: kills agents whose config lies in this test's directory,
    /// unmounts FUSE mounts under it and detaches the loop devices backed by its files.
    /// </summary>
    private static async Task RemoveLeftoversAsync(string dir)
    {
        foreach (string proc in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(proc), out int pid) && TryRead(Path.Combine(proc, "cmdline")) is { } cmdline
                && cmdline.Contains("\0agent\0", StringComparison.Ordinal) && cmdline.Contains("\0" + dir + "/", StringComparison.Ordinal))
            {
                Signals.Kill(pid, Signals.SIGKILL);
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        foreach (string mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(dir + "/", StringComparison.Ordinal)))
        {
            await ToolRunner.RunAsync("umount", ["-l", mount]);
        }

        foreach (string device in LoopsBackedUnder(dir))
        {
            await ToolRunner.RunAsync("losetup", ["-d", device]);
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"host(?<host>\d+) is SPM \(SDM lease version \d+\)")]
    private static partial Regex SpmElected();

    [GeneratedRegex(@"^host(?<host>\d+)\s+\d+\s+yes\s+valid\s+(?<role>SPM|Free|Contend)\s+(?<spm>host\d+|none)\s+\d+$", RegexOptions.Multiline)]
    private static partial Regex StatusRow();

    [GeneratedRegex(@"image [0-9a-f-]{36}: a chain of 3 volumes, base \+ 2 snapshot\(s\)")]
    private static partial Regex ChainSummary();

    [GeneratedRegex(@"host(?<host>\d+) \(not SPM\) refuses snapshot\.create: NOT_SPM \(-702\): .*the SPM is host (?<spm>\d+)")]
    private static partial Regex Refusal();
}
