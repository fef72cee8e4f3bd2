using System.Diagnostics;
using Sanpool.Agent.Tests.Pools;
using Sanpool.Core;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Failover;

/// <summary>
/// Every host started at once, round after round, ended each time another way (SIGTERM all,
/// kill -9 all, kill -9 the SPM and SIGTERM the rest): one SPM per round and never two at once
/// (spm.status of every host, and a witness file the SPM role enters once it holds the SDM
/// lease and leaves when the role ends), POOL_SPM_ID naming it, POOL_SPM_LVER equal to the SDM
/// lease's lver as the leases LV holds it, owned by the SPM's host id, and growing every round.
/// </summary>
public sealed class ContentionTests(ITestOutputHelper output)
{
    private const int Rounds = 6;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Hosts_started_together_round_after_round_elect_one_SPM_each_time_with_a_growing_lver()
    {
        using var dir = new TempDir("spm-witness");
        string witnessPath = dir.File("witness");
        File.WriteAllText(witnessPath, "");
        await using var test = await TestPool.CreateAsync(output, environment: new Dictionary<string, string> { [Sanpool.Harness.SpmWitness.Variable] = witnessPath });
        var pool = test.Pool;
        var probe = new PoolProbe(pool, output);
        var witness = new Witness(witnessPath);
        long lastLver = (await pool.ReadPoolAsync(None)).SpmLver;
        var winners = new List<int>();

        for (int round = 0; round < Rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            pool.StartAll();
            int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(120), null, None);
            var elected = clock.Elapsed;
            await probe.WatchOneSpmAsync(TimeSpan.FromSeconds(3));

            var keys = await pool.ReadPoolAsync(None);
            var sdm = await probe.SdmLeaseAsync();
            Assert.Equal(spm, keys.SpmId);
            Assert.Equal((ulong)spm, sdm.OwnerId);
            Assert.Equal((ulong)keys.SpmLver, sdm.Lver);
            Assert.True(keys.SpmLver > lastLver, $"round {round}: POOL_SPM_LVER {keys.SpmLver} after {lastLver}");
            lastLver = keys.SpmLver;
            // The witness is live: the role entered it under its own name.
            Assert.Equal($"host{spm}/pid{pool.Pid(spm)}", witness.CurrentHolder);
            winners.Add(spm);

            string how = (round % 3) switch { 0 => "SIGTERM to all", 1 => "kill -9 to all", _ => "kill -9 to the SPM, SIGTERM to the rest" };
            probe.Say($"MEASURED round {round}: host {spm} is SPM {elected.TotalSeconds:0.0} s after all started, lver {keys.SpmLver}; ending with {how}");
            await EndRoundAsync(pool, spm, round % 3);
            if (round % 3 == 0)
            {
                // A clean stop leaves the role, and the witness, on its way out.
                Assert.Null(witness.CurrentHolder);
                Assert.Equal(-1, (await pool.ReadPoolAsync(None)).SpmId);
            }
        }

        probe.Say($"SPM per round: {string.Join(", ", winners)}");
        witness.AssertNoViolations();
        await probe.AssertSoundAsync();
    }

    private static async Task EndRoundAsync(Sanpool.Harness.LocalPools.LocalPool pool, int spm, int how)
    {
        var hosts = pool.Running.ToList();
        await Task.WhenAll(hosts.Select(host => how switch
        {
            0 => pool.StopAsync(host, TimeSpan.FromSeconds(30)),
            1 => pool.CrashAsync(host, None),
            _ => host == spm ? pool.CrashAsync(host, None) : pool.StopAsync(host, TimeSpan.FromSeconds(30)),
        }));
    }
}
