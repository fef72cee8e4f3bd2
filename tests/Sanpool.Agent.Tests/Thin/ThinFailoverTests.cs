using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Agent.Tests.Failover;
using Sanpool.Agent.Tests.Pools;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Thin;

/// <summary>
/// Issue 5, test 5: the SPM is killed (kill -9) during a stream of extension requests. Host 1
/// is SPM, host 3 the only other candidate, host 2 a writer whose thin monitor keeps asking.
/// The SPM dies while host 2 has a request in flight; host 3 takes the SDM lease once host 1's
/// lease expires (host_dead at io_timeout 1), its new mailbox server reads the non-empty slots
/// as new mail, and answers: the waiting request is served by the new SPM and the write
/// completes. No LV is extended twice for one request: the SPMs' "extended volume" lines, in
/// order (host 1's, then host 3's), chain from size to size and never past what was asked,
/// and the LV ends at the size host 2's last extend.done event says.
/// </summary>
public sealed class ThinFailoverTests(ITestOutputHelper output)
{
    private const long MiB = ThinProbe.MiB;
    private const long WriteMiB = 1280;
    private const long StepMiB = 32;

    /// <summary>Extensions seen before the kill, so the SPM dies mid-stream and not at its start.</summary>
    private const int DoneBeforeKill = 2;

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_SPM_killed_during_a_stream_of_extension_requests_is_replaced_and_the_new_SPM_answers_without_extending_twice()
    {
        await using var test = await TestPool.CreateAsync(output, hosts: 3, priority: h => h switch { 1 => 10, 3 => 5, _ => -1 },
            tune: o => o with { Thin = new ThinConfig { ChunkMib = 128 } });
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var thin = new ThinProbe(pool, output);
        var bound = PoolProbe.TakeoverBound(pool.Options, out var hostDead);
        pool.Start(1);
        await probe.WaitSpmAsync(TimeSpan.FromSeconds(60), [1], Stopwatch.StartNew());
        pool.Start(2);
        pool.Start(3);
        await probe.WaitConnectedAsync(2, TimeSpan.FromSeconds(60));
        await probe.WaitConnectedAsync(3, TimeSpan.FromSeconds(60));
        var (image, volume) = await probe.CreateImageAsync(1, 1, 2048 * MiB, "cow");
        long initial = await thin.LvSizeAsync(1, volume) / MiB;
        string drive = await thin.PrepareAsync(2, 1, image);

        var writer = new PatientWriter(drive, 0x5f, TimeSpan.FromMilliseconds(500));
        var writing = writer.WriteAsync(WriteMiB, StepMiB, PoolProbe.TakeoverPatience(pool.Options));
        var killedAt = await KillDuringRequestAsync(pool, thin, volume, writing);
        var crashed = Stopwatch.StartNew();
        thin.Say($"host 1 (SPM) killed with -9: host 2 had written {writer.WrittenMiB} MiB, LV {killedAt.LvMiB} MiB, asking for {killedAt.RequestedMiB} MiB");

        var (spm, took) = await probe.WaitSpmAsync(PoolProbe.TakeoverPatience(pool.Options), [3], crashed);
        Assert.Equal(3, spm);
        thin.Say($"MEASURED host 3 is SPM {took.TotalSeconds:0.0} s after the kill (host_dead {hostDead.TotalSeconds:0} s, bound {bound.TotalSeconds:0} s)");
        await writing;
        thin.Say($"the write of {WriteMiB} MiB completed {crashed.Elapsed.TotalSeconds:0.0} s after the kill; {writer.Refused} piece(s) refused for space first");
        await ThinProbe.AssertReadsAsync(drive, WriteMiB, 0x5f);

        long lv = await thin.LvSizeAsync(1, volume) / MiB;
        var done = SpmExtensionLog.Done(await thin.EventsAsync(2), volume);
        thin.Say($"host 2 extensions: {string.Join(", ", done.Select(d => $"{d.From}->{d.To} MiB in {d.LatencyMs} ms"))}; LV {lv} MiB");
        SpmExtensionLog.AssertDoneChain(done, initial, lv);
        // A request asked while host 1 was dying or dead was answered by host 3: it waited through the takeover (host_dead at least).
        Assert.Contains(done, d => d.LatencyMs >= (hostDead - TimeSpan.FromSeconds(10)).TotalMilliseconds);

        var old = await SpmExtensionLog.ReadAsync(pool.LogOf(1), volume);
        var @new = await SpmExtensionLog.ReadAsync(pool.LogOf(3), volume);
        thin.Say($"host 1 (killed SPM) lines:\n  {string.Join("\n  ", old.Select(l => l.Text))}\nhost 3 (new SPM) lines:\n  {string.Join("\n  ", @new.Select(l => l.Text))}");
        Assert.True(old.Count >= DoneBeforeKill, $"host 1 logged {old.Count} extensions of {volume}, fewer than the {DoneBeforeKill} host 2 saw before the kill");
        Assert.NotEmpty(@new);
        Assert.Empty(await SpmExtensionLog.ReadAsync(pool.LogOf(2), volume));
        AssertOneChain(old, @new, initial, done, pool.Domains[1].ToString(), volume, await File.ReadAllLinesAsync(pool.LogOf(3)));
        Assert.Equal(lv, @new[^1].ToMiB);
        PoolProbe.AssertWithinBound([("kill -9 of the SPM during extension requests, host 3 takes over", took)], bound);
    }

    /// <summary>
    /// Waits until host 2 has seen <see cref="DoneBeforeKill"/> extensions and has a request in
    /// flight (thin.status: extending), then kills host 1 at once; the writer keeps writing.
    /// </summary>
    private static async Task<(long LvMiB, long RequestedMiB)> KillDuringRequestAsync(Sanpool.Harness.LocalPools.LocalPool pool, ThinProbe thin, string volume, Task writing)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(writing.IsCompleted, $"the writer ended before the SPM was killed: {(writing.IsFaulted ? writing.Exception!.Message : "all written")}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), "host 2 never had a request in flight after its first extensions");
            var status = (JsonArray)await pool.InvokeAsync(2, "thin.status", null, None);
            var mine = status.Single(s => (string)s!["volume"]! == volume)!;
            if ((bool)mine["extending"]! && SpmExtensionLog.Done(await thin.EventsAsync(2), volume).Count >= DoneBeforeKill)
            {
                await pool.CrashAsync(1, None);
                return ((long)mine["lv_size"]! / MiB, (long)mine["requested_size"]! / MiB);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// The two SPMs' lines are one chain (host 1's, then host 3's), except that host 1 may have
    /// extended the LV and been killed before its log line left the process: then host 3's
    /// first line starts at a size host 2 saw as the end of an extension, and host 3's mailbox
    /// log shows it answered that request with that size (it found the LV already that large and
    /// did not extend it: no "extended volume" line), and only that one gap.
    /// </summary>
    private void AssertOneChain(IReadOnlyList<SpmExtensionLog.Line> old, IReadOnlyList<SpmExtensionLog.Line> @new, long initial, IReadOnlyList<(long From, long To, double LatencyMs)> done,
        string domain, string volume, string[] newLog)
    {
        SpmExtensionLog.AssertChain(old, initial, "host 1's log");
        long before = old.Count > 0 ? old[^1].ToMiB : initial;
        if (@new[0].FromMiB != before)
        {
            output.WriteLine($"host 3's first extension starts at {@new[0].FromMiB} MiB, host 1's last ended at {before} MiB: host 1 extended the LV and was killed before it logged that");
            Assert.Contains(done, d => d.From == before && d.To == @new[0].FromMiB);
            // Host 3 read that request again (non-empty slot, new term) and answered it with the LV's size, without extending.
            string answered = $"mailbox SPM: host 2 asked to extend {domain}/{volume} to {@new[0].FromMiB} MiB";
            Assert.Contains(newLog, l => l.Contains(answered, StringComparison.Ordinal) && l.EndsWith($"extended to {@new[0].FromMiB} MiB", StringComparison.Ordinal));
            before = @new[0].FromMiB;
        }

        SpmExtensionLog.AssertChain(@new, before, "host 3's log");
        // Every size the host saw come from an extension was made by exactly one SPM line (or the one lost line).
        var made = old.Concat(@new).Select(l => l.ToMiB).ToList();
        Assert.Equal(made.Count, made.Distinct().Count());
        Assert.All(done, d => Assert.True(made.Contains(d.To) || d.To == @new[0].FromMiB, $"host 2 saw {d.From}->{d.To} MiB, which no SPM logged"));
    }
}
