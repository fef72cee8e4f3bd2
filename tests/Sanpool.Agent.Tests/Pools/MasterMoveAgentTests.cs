using System.Diagnostics;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Storage.Domains;
using Sanpool.Agent.Tests.Failover;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// pool.move-master through the SPM's agent: the master role moves to the data domain
/// (MASTER_VERSION 2), the old SPM gives its role up, every agent reconnects through the new
/// master, an SPM is elected there, and structural verbs work again. Refused on a host that is
/// not SPM, and for the current master.
/// </summary>
public sealed class MasterMoveAgentTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_SPM_moves_the_master_and_every_agent_follows_it()
    {
        await using var test = await TestPool.CreateAsync(output, priority: h => h == 1 ? 10 : 3);
        var pool = test.Pool;
        pool.Start(1);
        Assert.Equal(1, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, None));
        pool.Start(2);
        pool.Start(3);
        await PoolProbe.UntilAsync("hosts 2 and 3 answer", async () => (await pool.SpmStatesAsync(None)).Values.All(s => s is not null) && pool.Running.Count() == 3,
            TimeSpan.FromSeconds(60));
        var (oldMaster, newMaster) = (pool.Domains[0].ToString(), pool.Domains[1].ToString());

        var notSpm = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(2, "pool.move-master", new Dictionary<string, string> { ["domain"] = newMaster }, None));
        Assert.Equal("NOT_SPM", notSpm.Code.Name);
        var itself = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(1, "pool.move-master", new Dictionary<string, string> { ["domain"] = oldMaster }, None));
        Assert.Equal("INVALID_ARGUMENT", itself.Code.Name);

        var clock = Stopwatch.StartNew();
        var moved = await pool.InvokeAsync(1, "pool.move-master", new Dictionary<string, string> { ["domain"] = newMaster }, None);
        Assert.Equal(2, (int)moved["master_version"]!);
        Assert.Equal(-1, (int)moved["spm_id"]!);

        // Every agent reconnects through the new master, and one of them becomes SPM there.
        await PoolProbe.UntilAsync("every host connected through the new master", async () =>
        {
            foreach (int host in pool.HostIds)
            {
                var status = await pool.InvokeAsync(host, "status", null, None);
                if ((string?)status["master"] != newMaster || (bool?)status["connected"] != true)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(90));
        int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(90), null, None);
        output.WriteLine($"host {spm} is SPM through the new master {clock.Elapsed.TotalSeconds:0.0} s after the move");

        var keys = PoolMetadata.From(await BlockDomain.ReadMetadataAsync(pool.Devices, pool.Domains[1], None), pool.Domains[1]);
        Assert.Equal((2, spm), (keys.MasterVersion, keys.SpmId));
        var old = await BlockDomain.ReadMetadataAsync(pool.Devices, pool.Domains[0], None);
        Assert.Equal(PoolMetadata.RegularRole, old[PoolMetadata.RoleKey]);

        await new PoolProbe(pool, output).RunAsync(spm, "image.create", new() { ["domain"] = oldMaster, ["size"] = "1073741824" });
    }
}
