using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sanpool.Harness.LocalPools;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;
using Sanpool.Storage.Domains;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// What the failover tests look at, read straight from the pool's LUNs and never through an
/// agent: the real lvm (with a filter naming only the domain's device), <c>sanpool domain check</c>
/// and <c>dump-volume-chains</c>, the SDM lease sector and the bytes of the metadata areas.
/// Plus the few agent calls every scenario makes (submit a verb, follow its task).
/// </summary>
internal sealed class PoolProbe(LocalPool pool, ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;

    public LocalPool Pool => pool;

    /// <summary>The devices of domain <paramref name="d"/> (one LUN per domain in a local pool).</summary>
    public IReadOnlyList<string> DevicesOf(int d) => [pool.Luns[d].Path, .. pool.Spares.Select(s => s.Path)];

    public void Say(string line) => output.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] {line}");

    /// <summary>Runs the real lvm on the domain's device only, activating nothing; returns stdout.</summary>
    public async Task<string> LvmAsync(int d, params string[] arguments)
    {
        string filter = "[" + string.Concat(DevicesOf(d).Select(dev => $"\"a|^{dev}$|\",")) + "\"r|.*|\"]";
        string config = $"devices {{ filter={filter} global_filter={filter} use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" }} "
                        + "global { activation=0 use_lvmlockd=0 } backup { backup=0 archive=0 }";
        var result = await ToolRunner.RunAsync(Requires.Tool("lvm", "lvm2"), [arguments[0], "--config", config, .. arguments[1..]],
            new Dictionary<string, string> { ["LVM_SUPPRESS_FD_WARNINGS"] = "1" });
        return result.EnsureSuccess().StandardOutput;
    }

    /// <summary>The names of the domain's LVs that are volumes (every LV but the special ones).</summary>
    public async Task<SortedSet<string>> VolumeLvsAsync(int d)
    {
        string rows = await LvmAsync(d, "lvs", "--noheadings", "-o", "lv_name", pool.Domains[d].ToString());
        return new SortedSet<string>(Lines(rows).Where(n => !BlockDomainLayout.SpecialLvs.Contains(n)), StringComparer.Ordinal);
    }

    /// <summary>dump-volume-chains --output json of domain <paramref name="d"/>.</summary>
    public async Task<JsonArray> ChainsAsync(int d)
    {
        var result = await SanpoolCli.RunAsync(["dump-volume-chains", pool.Domains[d].ToString(), "--output", "json", "--device", string.Join(',', DevicesOf(d))]);
        return JsonNode.Parse(result.EnsureSuccess().StandardOutput)!.AsArray();
    }

    /// <summary>The volume ids of an image's chain, base first; empty if the image is not on the domain.</summary>
    public async Task<IReadOnlyList<JsonNode>> ChainAsync(int d, string image)
    {
        var chain = (await ChainsAsync(d)).FirstOrDefault(c => (string)c!["image"]! == image);
        return chain is null ? [] : [.. chain["volumes"]!.AsArray().Select(v => v!)];
    }

    /// <summary>
    /// Every domain sound: <c>domain check</c> finds nothing (no broken chain, no journal entry
    /// left, metadata, LV tags and qcow2 headers agreeing), and the LVs are exactly the volumes
    /// the chains list: nothing leaked, nothing lost.
    /// </summary>
    public async Task AssertSoundAsync()
    {
        for (int d = 0; d < pool.Domains.Count; d++)
        {
            string sd = pool.Domains[d].ToString();
            var check = await SanpoolCli.RunAsync(["domain", "check", sd, "--device", string.Join(',', DevicesOf(d))]);
            Say($"domain check {sd}: {check.StandardOutput.Trim()}");
            Assert.True(check.Succeeded, $"domain check {sd} found problems:\n{check.StandardOutput}{check.StandardError}");

            var listed = new SortedSet<string>((await ChainsAsync(d)).SelectMany(c => c!["volumes"]!.AsArray().Select(v => (string)v!["id"]!)), StringComparer.Ordinal);
            var lvs = await VolumeLvsAsync(d);
            Assert.True(lvs.SetEquals(listed),
                $"domain {sd}: LVs [{string.Join(", ", lvs)}] but the chains list [{string.Join(", ", listed)}]: " +
                $"leaked [{string.Join(", ", lvs.Except(listed))}], lost [{string.Join(", ", listed.Except(lvs))}]");
        }
    }

    /// <summary>
    /// A hash of each part of the pool's metadata that only the SPM writes, per domain: the VG
    /// (its seqno, tags that hold the domain and pool keys, every LV with its size, tags and
    /// extents), the whole metadata LV, the journal and task areas of the master LV (not the
    /// host reports, which every host writes), and the first 2 MiB of the leases LV (the SDM
    /// lease). Not the ids LV, where every host renews its host id.
    /// </summary>
    public async Task<SortedDictionary<string, string>> FingerprintAsync()
    {
        var parts = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int d = 0; d < pool.Domains.Count; d++)
        {
            string vg = pool.Domains[d].ToString();
            string report = await LvmAsync(d, "lvs", "--segments", "--noheadings", "--separator", "|", "--units", "b", "--nosuffix",
                "-o", "vg_seqno,vg_tags,lv_name,lv_size,lv_tags,seg_start_pe,seg_pe_ranges", vg);
            parts[$"domain{d}.vg"] = Hash(Encoding.UTF8.GetBytes(string.Join('\n', Lines(report).Order(StringComparer.Ordinal))));
            foreach (var (lv, length) in new[] { (BlockDomainLayout.MetadataLv, BlockDomainLayout.MetadataLvSize), (BlockDomainLayout.MasterLv, 4 * MiB), (BlockDomainLayout.LeasesLv, 2 * MiB) })
            {
                parts[$"domain{d}.{lv}"] = Hash(await ReadLvAsync(d, lv, 0, length));
            }
        }

        return parts;
    }

    /// <summary>Asserts two fingerprints equal, naming the parts that differ.</summary>
    public static void AssertSameMetadata(SortedDictionary<string, string> before, SortedDictionary<string, string> after, string what)
    {
        var changed = before.Keys.Where(k => !after.TryGetValue(k, out var v) || v != before[k]).ToList();
        Assert.True(changed.Count == 0, $"{what}: metadata changed in {string.Join(", ", changed)}");
    }

    /// <summary>The master domain's SDM lease leader record, read from the leases LV.</summary>
    public async Task<LeaderRecord> SdmLeaseAsync()
    {
        var sector = await ReadLvAsync(0, BlockDomainLayout.LeasesLv, SpmLease.Offset((int)MiB), 512);
        var leader = LeaderRecord.Decode(sector);
        Assert.Equal(LeaderRecord.PaxosMagic, leader.Magic);
        Assert.Equal(SpmLease.Name, leader.ResourceName);
        return leader;
    }

    /// <summary>Reads bytes of a (single-segment) LV from the domain's device with direct I/O.</summary>
    private async Task<byte[]> ReadLvAsync(int d, string lv, long offset, long length)
    {
        string vg = pool.Domains[d].ToString();
        string extent = await LvmAsync(d, "vgs", "--noheadings", "--units", "b", "--nosuffix", "-o", "vg_extent_size", vg);
        string pv = await LvmAsync(d, "pvs", "--noheadings", "--units", "b", "--nosuffix", "-o", "pe_start", DevicesOf(d)[0]);
        string ranges = Lines(await LvmAsync(d, "lvs", "--segments", "--noheadings", "-o", "seg_pe_ranges", $"{vg}/{lv}")).First();
        // "/dev/loopN:FIRST-LAST": the LV's first segment; the areas read here lie in it.
        var (first, last) = ParseRange(ranges[(ranges.LastIndexOf(':') + 1)..]);
        long extentSize = long.Parse(extent.Trim(), CultureInfo.InvariantCulture);
        Assert.True(offset + length <= (last - first + 1) * extentSize, $"{vg}/{lv}: bytes {offset}+{length} are not in its first segment {ranges}");
        long start = long.Parse(pv.Trim(), CultureInfo.InvariantCulture) + (first * extentSize) + offset;
        await using var device = DirectBlockDevice.Open(DevicesOf(d)[0], readOnly: true);
        return await device.ReadAsync(start, checked((int)length), TimeSpan.FromSeconds(30));
    }

    private static (long First, long Last) ParseRange(string range)
    {
        var ends = range.Trim().Split('-');
        return (long.Parse(ends[0], CultureInfo.InvariantCulture), long.Parse(ends[1], CultureInfo.InvariantCulture));
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes))[..16];

    private static string[] Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Polls a running copy until its saved progress is past 0 and short of 90 %; returns it.</summary>
    public async Task<double> MidwayAsync(int host, string task)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var record = await TaskAsync(host, task);
            Assert.Equal("running", (string)record["state"]!);
            double progress = (double)record["progress"]!;
            if (progress is > 0 and < 90)
            {
                return progress;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"copy {task} showed no progress in 2 minutes");
            await Task.Delay(100);
        }
    }

    /// <summary>Submits a structural verb on <paramref name="host"/>; returns its task id.</summary>
    public async Task<string> SubmitAsync(int host, string verb, Dictionary<string, string> args)
    {
        var reply = await pool.InvokeAsync(host, verb, args, None);
        string task = (string)reply["task"]!["id"]!;
        Say($"host {host}: {verb} submitted as task {task}");
        return task;
    }

    public async Task<JsonNode> TaskAsync(int host, string task) =>
        await pool.InvokeAsync(host, "task.status", new Dictionary<string, string> { ["task"] = task }, None);

    /// <summary>Polls a task through <paramref name="host"/> until it is no longer running (or queued).</summary>
    public async Task<JsonNode> WaitTaskAsync(int host, string task, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var record = await TaskAsync(host, task);
            string state = (string)record["state"]!;
            if (state is not ("running" or "queued" or "recovering"))
            {
                Say($"task {task} ({record["verb"]}): {state} {record["result"] ?? record["error"]}");
                return record;
            }

            Assert.True(clock.Elapsed < timeout, $"task {task} still {state} after {timeout.TotalSeconds:0} s: {record.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    /// <summary>Submits a verb and waits for it to finish; returns its result text.</summary>
    public async Task<string> RunAsync(int host, string verb, Dictionary<string, string> args, TimeSpan? timeout = null)
    {
        var record = await WaitTaskAsync(host, await SubmitAsync(host, verb, args), timeout ?? TimeSpan.FromMinutes(2));
        Assert.Equal("finished", (string)record["state"]!);
        return (string)record["result"]!;
    }

    /// <summary>Creates an image on domain <paramref name="d"/> through the SPM; returns (image, volume).</summary>
    public async Task<(string Image, string Volume)> CreateImageAsync(int spm, int d, long size, string format)
    {
        string image = Guid.NewGuid().ToString();
        string volume = Guid.NewGuid().ToString();
        await RunAsync(spm, "image.create", new()
        {
            ["domain"] = pool.Domains[d].ToString(),
            ["image"] = image,
            ["volume"] = volume,
            ["size"] = size.ToString(CultureInfo.InvariantCulture),
            ["format"] = format,
        });
        return (image, volume);
    }

    /// <summary>spm.stop on a host that is not SPM: its election pauses, so it will not contend.</summary>
    public async Task PauseAsync(int host)
    {
        var status = await pool.InvokeAsync(host, "spm.stop", null, None);
        Assert.NotEqual("SPM", (string)status["state"]!);
    }

    /// <summary>
    /// spm.start on a host while another may still hold the SDM lease: the first try is refused
    /// (DOMAIN_BUSY), but the host's election is unpaused and keeps contending.
    /// </summary>
    public async Task UnpauseAsync(int host)
    {
        try
        {
            await pool.InvokeAsync(host, "spm.start", null, None);
        }
        catch (SanpoolException e)
        {
            Say($"host {host}: spm.start now: {e.Code.Name} (expected while the lease is held); its election goes on");
        }
    }

    /// <summary>
    /// Waits for one of <paramref name="among"/> to say SPM (it says so only once its tasks are
    /// settled, so verbs work at once) and returns it with the time since <paramref name="since"/>.
    /// </summary>
    public async Task<(int Spm, TimeSpan Took)> WaitSpmAsync(TimeSpan timeout, IEnumerable<int>? among, Stopwatch since)
    {
        int spm = await pool.WaitForSpmAsync(timeout, among, None);
        return (spm, since.Elapsed);
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="period"/> (default half a second) until it holds; an agent that does not answer meanwhile counts as not yet.</summary>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? period = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is SanpoolException or HttpRequestException or IOException)
            {
                // An agent starting, or between two connections.
            }

            Assert.True(clock.Elapsed < timeout, $"not within {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(period ?? TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits until a host's agent answers (connected, whatever its role).</summary>
    public async Task WaitConnectedAsync(int host, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await pool.InvokeAsync(host, "spm.status", null, None);
                return;
            }
            catch (Exception e) when (e is SanpoolException or HttpRequestException or IOException or OperationCanceledException)
            {
                Assert.True(clock.Elapsed < timeout, $"host {host} did not answer within {timeout.TotalSeconds:0} s: {e.Message}");
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// Watches every running host's spm.status for <paramref name="period"/>: LocalPool's
    /// WaitForSpmAsync throws as soon as two hosts say SPM at once.
    /// </summary>
    public async Task WatchOneSpmAsync(TimeSpan period)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < period)
        {
            var states = await pool.SpmStatesAsync(None);
            var spms = states.Where(s => s.Value == "SPM").Select(s => s.Key).ToList();
            Assert.True(spms.Count <= 1, $"hosts {string.Join(" and ", spms)} both say they are SPM");
            await Task.Delay(200);
        }
    }

    /// <summary>Lease-expiry bound for a takeover after the SPM stops renewing: the pool's host_dead (8 io + watchdog margin) plus an honest margin.</summary>
    public static TimeSpan TakeoverBound(LocalPoolOptions options, out TimeSpan hostDead)
    {
        ArgumentNullException.ThrowIfNull(options);
        hostDead = options.HostDead;
        // Election delay (<= ~3 s), lease acquire and recovery, and a machine shared with other test runs.
        return hostDead + TimeSpan.FromSeconds(25);
    }

    /// <summary>
    /// How long a test waits for a takeover before giving up: well past <see cref="TakeoverBound"/>, so
    /// that a slow takeover is measured (and the scenario's other checks still run) before the bound fails it.
    /// </summary>
    public static TimeSpan TakeoverPatience(LocalPoolOptions options) => (2 * TakeoverBound(options, out _)) + TimeSpan.FromSeconds(20);

    /// <summary>Fails, listing them all, if any measured takeover exceeded the bound.</summary>
    public static void AssertWithinBound(IReadOnlyList<(string What, TimeSpan Took)> takeovers, TimeSpan bound)
    {
        var slow = takeovers.Where(t => t.Took > bound).ToList();
        Assert.True(slow.Count == 0, $"takeovers over the lease-expiry bound of {bound.TotalSeconds:0} s: " +
            string.Join("; ", slow.Select(t => $"{t.What}: {t.Took.TotalSeconds:0.0} s")));
    }
}
