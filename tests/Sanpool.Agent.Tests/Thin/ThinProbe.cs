using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// What the thin-provisioning scenarios do to a pool of real agents: prepare an image on a
/// host, write into it through that host's NBD exports with the real <c>qemu-io</c> (as a
/// guest with <c>werror=enospc</c> would: a write refused for space is tried again once the
/// volume grew), read the agent's events, and read the LV's size from storage.
/// </summary>
internal sealed class ThinProbe(LocalPool pool, ITestOutputHelper output)
{
    public const long MiB = 1024 * 1024;

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly Failover.PoolProbe _probe = new(pool, output);

    public void Say(string line) => output.WriteLine($"[{DateTime.Now:HH:mm:ss.fff}] {line}");

    /// <summary>image.prepare on <paramref name="host"/>; returns the drive specification.</summary>
    public async Task<string> PrepareAsync(int host, int d, string image)
    {
        var reply = await pool.InvokeAsync(host, "image.prepare", new Dictionary<string, string> { ["domain"] = pool.Domains[d].ToString(), ["image"] = image }, None);
        string drive = (string)reply["drive"]!;
        Say($"host {host}: prepared image {image}: {drive}");
        return drive;
    }

    /// <summary>
    /// Writes <paramref name="mib"/> MiB of <paramref name="pattern"/> from offset 0 in
    /// <paramref name="stepMiB"/> pieces, each retried every 100 ms while qemu-io says "No space
    /// left on device"; returns how many pieces were refused for space at least once.
    /// </summary>
    public static async Task<int> WriteAsync(string drive, long mib, long stepMiB, byte pattern, TimeSpan patience)
    {
        var writer = new PatientWriter(drive, pattern, TimeSpan.FromMilliseconds(100));
        await writer.WriteAsync(mib, stepMiB, patience);
        return writer.Refused;
    }

    /// <summary>Asserts that the first <paramref name="mib"/> MiB read back as <paramref name="pattern"/>.</summary>
    public static async Task AssertReadsAsync(string drive, long mib, byte pattern)
    {
        var commands = new List<string>();
        for (long at = 0; at < mib; at += 64)
        {
            commands.Add($"read -P {pattern} {at}M {Math.Min(64, mib - at)}M");
        }

        var run = await QemuIoAsync(drive, [.. commands]);
        string text = run.StandardOutput + run.StandardError;
        Assert.True(run.Succeeded && !text.Contains("Pattern verification failed", StringComparison.Ordinal) && !text.Contains("error", StringComparison.OrdinalIgnoreCase),
            $"read back of {mib} MiB failed: {text}");
    }

    public static async Task<ToolResult> QemuIoAsync(string drive, params string[] commands)
    {
        var args = new List<string>();
        foreach (var c in commands)
        {
            args.Add("-c");
            args.Add(c);
        }

        args.Add(drive);
        return await ToolRunner.RunAsync("qemu-io", args, timeout: TimeSpan.FromMinutes(3));
    }

    /// <summary>The agent's events after <paramref name="since"/>.</summary>
    public async Task<JsonArray> EventsAsync(int host, long since = 0) =>
        (JsonArray)(await pool.InvokeAsync(host, "events", new Dictionary<string, string> { ["since"] = since.ToString(CultureInfo.InvariantCulture) }, None))["events"]!;

    /// <summary>The LV's size as lvm says, in bytes.</summary>
    public async Task<long> LvSizeAsync(int d, string volume)
    {
        string text = await _probe.LvmAsync(d, "lvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "lv_size", $"{pool.Domains[d]}/{volume}");
        return long.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }
}
