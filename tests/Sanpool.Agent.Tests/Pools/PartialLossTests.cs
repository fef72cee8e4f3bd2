using System.Diagnostics;
using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.Agent.Tests.Failover;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Pools;

/// <summary>
/// The SPM loses one non-master domain (its path to that LUN fails with I/O errors) while the
/// other hosts still read every domain: the SPM steps down, a host that sees everything takes
/// the role, the blind host does not contend, and a verb sent to it with forward=true runs on
/// the new SPM.
/// </summary>
public sealed class PartialLossTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_SPM_that_loses_a_domain_hands_the_role_to_a_host_that_sees_every_domain()
    {
        await using var test = await TestPool.CreateAsync(output, priority: h => h == 1 ? 10 : 3);
        var pool = test.Pool;
        var path = await test.AddFaultyPathAsync(1);
        pool.Configure(1, [pool.Devices[0], path.Device]);

        // Host 1 first, so it is the SPM; then the others.
        pool.Start(1);
        Assert.Equal(1, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None));
        pool.Start(2);
        pool.Start(3);
        await PoolProbe.UntilAsync("every host sees every domain and the SPM sees the others' reports", async () =>
        {
            var s = await pool.InvokeAsync(1, "status", null, None);
            return (bool?)s["sees_all"] == true && s["hosts"] is JsonArray { Count: 2 } hosts && hosts.All(h => (bool)h!["sees_all"]!);
        }, TimeSpan.FromSeconds(60));

        var clock = Stopwatch.StartNew();
        using (path.Fail())
        {
            int spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(150), [2, 3], None);
            output.WriteLine($"host {spm} became SPM {clock.Elapsed.TotalSeconds:0.0} s after host 1 lost domain {pool.Domains[1]}");
            var status1 = await pool.InvokeAsync(1, "status", null, None);
            Assert.False((bool)status1["sees_all"]!);
            Assert.Equal("Free", (string)status1["spm"]!["state"]!);

            // The blind host stays Free while the others see everything.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Equal("Free", (string)(await pool.InvokeAsync(1, "spm.status", null, None))["state"]!);
            Assert.Equal(spm, (await pool.ReadPoolAsync(None)).SpmId);

            // A structural verb sent to host 1 with forward=true runs on the new SPM, on the domain host 1 cannot see.
            var create = new Dictionary<string, string>
            {
                ["domain"] = pool.Domains[1].ToString(), ["size"] = "1073741824", ["format"] = "cow", ["forward"] = "true",
            };
            var reply = await pool.InvokeAsync(1, "image.create", create, None);
            Assert.Equal(spm, (int)reply["forwarded_to"]!);
            var done = await new PoolProbe(pool, output).WaitTaskAsync(spm, (string)reply["task"]!["id"]!, TimeSpan.FromSeconds(60));
            Assert.Equal("finished", (string)done["state"]!);
            Assert.Equal(spm, (int)done["host"]!);

            // Without forward it is refused, naming the SPM; a bad forward value is bad input.
            create.Remove("forward");
            var refused = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(1, "image.create", create, None));
            Assert.Equal("NOT_SPM", refused.Code.Name);
            Assert.Contains($"the SPM is host {spm}", refused.Message, StringComparison.Ordinal);
            create["forward"] = "yes";
            var bad = await Assert.ThrowsAsync<SanpoolException>(() => pool.InvokeAsync(1, "image.create", create, None));
            Assert.Equal("INVALID_ARGUMENT", bad.Code.Name);
        }
    }
}
