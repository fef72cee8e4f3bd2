using Sanpool.Agent.Tests.Pools;
using Sanpool.Core;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Spm.Structural;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// Every structural verb sent to a host that is not the SPM is refused with NOT_SPM naming the
/// SPM, and nothing of it runs there: the pool's metadata (LVs, tags, metadata LV, journal,
/// tasks, SDM lease) reads byte for byte the same afterwards, and no task was recorded.
/// </summary>
public sealed class RefusalTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Structural_verbs_sent_to_a_host_that_is_not_SPM_are_refused_naming_the_SPM_and_change_nothing()
    {
        await using var test = await TestPool.CreateAsync(output);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        pool.StartAll();
        var (spm, _) = await probe.WaitSpmAsync(TimeSpan.FromSeconds(120), null, System.Diagnostics.Stopwatch.StartNew());
        string d0 = pool.Domains[0].ToString();
        string d1 = pool.Domains[1].ToString();
        var (image, volume) = await probe.CreateImageAsync(spm, 1, GiB, "cow");
        string top = Guid.NewGuid().ToString();
        await probe.RunAsync(spm, "snapshot.create", new() { ["domain"] = d1, ["image"] = image, ["volume"] = top });

        // Requests that the SPM would carry out: each names things that exist.
        var requests = new Dictionary<string, Dictionary<string, string>>
        {
            ["image.create"] = new() { ["domain"] = d0, ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow" },
            ["snapshot.create"] = new() { ["domain"] = d1, ["image"] = image },
            ["image.merge"] = new() { ["domain"] = d1, ["image"] = image, ["base"] = volume, ["top"] = top },
            ["image.copy"] = new() { ["domain"] = d1, ["image"] = image, ["target_domain"] = d0 },
            ["volume.delete"] = new() { ["domain"] = d1, ["image"] = image, ["volume"] = top },
            ["template.create"] = new() { ["domain"] = d1, ["image"] = image },
        };
        Assert.Equal(StructuralVerbs.Names.Order(StringComparer.Ordinal), requests.Keys.Order(StringComparer.Ordinal));

        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = await probe.FingerprintAsync();
        var lvsBefore = await probe.VolumeLvsAsync(1);
        var tasksBefore = await TasksAsync(pool, spm);

        int refused = 0;
        foreach (int other in pool.HostIds.Where(h => h != spm))
        {
            foreach (var (verb, args) in requests)
            {
                var e = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(other, verb, args, None));
                Assert.Equal("NOT_SPM", e.Code.Name);
                Assert.Contains($"the SPM is host {spm}", e.Message, StringComparison.Ordinal);
                refused++;
            }
        }

        probe.Say($"{refused} structural requests to the {pool.Options.Hosts - 1} hosts that are not SPM (host {spm} is) refused with NOT_SPM");
        await Task.Delay(TimeSpan.FromSeconds(2));
        PoolProbe.AssertSameMetadata(before, await probe.FingerprintAsync(), "structural verbs refused by hosts that are not SPM");
        Assert.Equal(lvsBefore, await probe.VolumeLvsAsync(1));
        Assert.Equal(tasksBefore, await TasksAsync(pool, spm));
        foreach (int other in pool.HostIds.Where(h => h != spm))
        {
            Assert.Equal(tasksBefore, await TasksAsync(pool, other));
        }

        // The same requests do run on the SPM (the refusal was about the host, not the request).
        await probe.RunAsync(spm, "image.create", requests["image.create"]);
        await probe.AssertSoundAsync();
    }

    [Fact]
    public async Task A_structural_verb_sent_while_a_host_becomes_SPM_is_refused_or_run_never_an_internal_error()
    {
        await using var test = await TestPool.CreateAsync(output);
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var create = new Dictionary<string, string> { ["domain"] = pool.Domains[0].ToString(), ["size"] = GiB.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow" };
        pool.StartAll();

        // Every host asked over and over from its start: before it is SPM it must say NOT_SPM; the SPM must take
        // the request as a task, also in the moment it has just become SPM and is still settling the pool's tasks.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        string? task = null;
        int accepted = 0;
        while (task is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "no host took the request within 120 s");
            foreach (int host in pool.HostIds)
            {
                try
                {
                    task = (string)(await pool.InvokeAsync(host, "image.create", create, None))["task"]!["id"]!;
                    accepted = host;
                    break;
                }
                catch (SanpoolException e) when (e.Code.Name is "NOT_SPM" or "SPM_CONTENDING" or "POOL_NOT_FOUND" or "AGENT_UNREACHABLE")
                {
                    // Before it is SPM; POOL_NOT_FOUND: not connected to the pool yet; unreachable: its socket is not there yet.
                    refusals[e.Code.Name] = refusals.GetValueOrDefault(e.Code.Name) + 1;
                }
            }
        }

        probe.Say($"host {accepted} took image.create as task {task} {clock.Elapsed.TotalSeconds:0.0} s after the start; refused before: " +
                  string.Join(", ", refusals.Select(r => $"{r.Key} x{r.Value}")));
        var record = await probe.WaitTaskAsync(accepted, task, TimeSpan.FromMinutes(2));
        Assert.Equal("finished", (string)record["state"]!);
        await probe.AssertSoundAsync();
    }

    /// <summary>Every task the pool keeps, as one host lists it, in a stable order.</summary>
    private static async Task<List<string>> TasksAsync(Sanpool.Harness.LocalPools.LocalPool pool, int host) =>
        [.. (await pool.InvokeAsync(host, "task.list", null, None)).AsArray().Select(t => t!.ToJsonString()).Order(StringComparer.Ordinal)];
}
