using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.Agent.Tests.Vm;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Real VMs run by a pool's agents (<c>vm.start</c>, <c>vm.status</c>, <c>vm.stop</c>): the VM
/// kit's kernel and guest program copy a source file of random bytes onto a prepared thin image
/// through the agent's NBD exports, and the test reads the verdict and the pause count from the
/// agent. Dispose stops every VM it started; a qemu that outlived its agent is killed by the
/// local pool when it stops (LocalPool.KillOrphanedVms, by qemu's pid file), so a failed test leaves no VM behind.
/// </summary>
internal sealed class AgentVms(LocalPool pool, ITestOutputHelper output) : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly List<(int Host, string Name)> _started = [];

    public void Say(string line) => output.WriteLine($"[{DateTime.Now:HH:mm:ss.fff}] {line}");

    /// <summary>A file of <paramref name="mib"/> MiB of random bytes, every block written (no holes).</summary>
    public static async Task WriteSourceAsync(string path, long mib, int seed)
    {
        var random = new Random(seed);
        byte[] buffer = new byte[MiB];
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 20, useAsync: true);
        for (long i = 0; i < mib; i++)
        {
            random.NextBytes(buffer);
            await file.WriteAsync(buffer);
        }
    }

    /// <summary>vm.start on <paramref name="host"/>: the guest copies <paramref name="mib"/> MiB of <paramref name="source"/> onto the image (vda).</summary>
    public async Task<JsonNode> StartAsync(int host, string name, int d, string image, string source, long mib, int chunkMib, int verifyEvery)
    {
        var kit = await VmKit.EnsureAsync();
        string append = string.Create(CultureInfo.InvariantCulture,
            $"console=ttyS0 no_timer_check panic=-1 quiet sanpool.mode=copy sanpool.mib={mib} sanpool.chunk={chunkMib} sanpool.verify={verifyEvery}");
        _started.Add((host, name));
        var status = await pool.InvokeAsync(host, "vm.start", new Dictionary<string, string>
        {
            ["name"] = name,
            ["domain"] = pool.Domains[d].ToString(),
            ["image"] = image,
            ["kernel"] = kit.Kernel,
            ["initrd"] = kit.Initrd,
            ["append"] = append,
            ["source"] = source,
        }, None);
        Say($"host {host}: VM {name} started, pid {status["pid"]}, state {status["state"]}");
        return status;
    }

    public Task<JsonNode> StatusAsync(int host, string name) =>
        pool.InvokeAsync(host, "vm.status", new Dictionary<string, string> { ["name"] = name }, None);

    /// <summary>Polls vm.status until the guest printed its RESULT line; returns that status.</summary>
    public async Task<JsonNode> WaitResultAsync(int host, string name, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        string? lastProgress = null;
        while (true)
        {
            var status = await StatusAsync(host, name);
            if (status["result"] is not null)
            {
                Say($"host {host}: VM {name}: {status["result"]} after {clock.Elapsed.TotalSeconds:0.0} s, pauses {status["pauses"]}, paused {status["paused_ms"]} ms");
                return status;
            }

            string? progress = (string?)status["progress"];
            if (progress != lastProgress && clock.Elapsed.TotalSeconds % 10 < 1)
            {
                lastProgress = progress;
                Say($"host {host}: VM {name}: {status["state"]} {progress} pauses {status["pauses"]}");
            }

            Assert.True((string?)status["state"] != "exited", $"VM {name}'s qemu exited without a RESULT: {Serial(status)}");
            Assert.True(clock.Elapsed < timeout, $"VM {name} printed no RESULT within {timeout.TotalSeconds:0} s; state {status["state"]}: {Serial(status)}");
            await Task.Delay(500);
        }
    }

    /// <summary>The guest's "COPIED mib centiseconds" line as MiB/s on the guest's clock (which stops while paused).</summary>
    public static double GuestRate(JsonNode status)
    {
        string serial = Serial(status);
        var line = serial.Split('\n').LastOrDefault(l => l.StartsWith("COPIED ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no COPIED line: {serial}");
        var words = line.Trim().Split(' ');
        double mib = double.Parse(words[1], CultureInfo.InvariantCulture);
        double seconds = double.Parse(words[2], CultureInfo.InvariantCulture) / 100;
        return seconds > 0 ? mib / seconds : double.PositiveInfinity;
    }

    public static string Serial(JsonNode status) =>
        status["serial"] is JsonValue path && File.Exists((string)path!) ? File.ReadAllText((string)path!) : "(no serial log)";

    /// <summary>vm.stop (qemu killed; the guest has powered off) keeping the image prepared, so that the test can compare it.</summary>
    public async Task StopAsync(int host, string name, bool teardown)
    {
        await pool.InvokeAsync(host, "vm.stop", new Dictionary<string, string> { ["name"] = name, ["teardown"] = teardown ? "true" : "false" }, None);
        _started.Remove((host, name));
    }

    /// <summary><c>qemu-img compare</c> of the source (raw) against the image's drive specification (its json: tree over NBD).</summary>
    public async Task AssertIdenticalAsync(string source, string drive)
    {
        var compare = await ToolRunner.RunAsync("qemu-img", ["compare", "-f", "raw", source, drive], timeout: TimeSpan.FromMinutes(5));
        Say($"qemu-img compare: {compare.StandardOutput.Trim()} {compare.StandardError.Trim()}");
        Assert.True(compare.ExitCode == 0 && compare.StandardOutput.Contains("Images are identical", StringComparison.Ordinal),
            $"qemu-img compare {source} {drive}: exit {compare.ExitCode}: {compare.StandardOutput}{compare.StandardError}");
    }

    /// <summary>Stops the VMs still running (a qemu whose agent died is killed by the local pool's dispose, by its pid file).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (host, name) in _started.ToList())
        {
            try
            {
                await pool.InvokeAsync(host, "vm.stop", new Dictionary<string, string> { ["name"] = name }, None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Say($"host {host}: vm.stop {name} failed ({e.Message}); the pool kills its qemu when it stops");
            }
        }
    }
}
