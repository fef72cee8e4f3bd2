using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Sanpool.Api;
using Sanpool.Api.Spm;
using Sanpool.Core;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using Sanpool.Harness.LocalPools;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>
/// The engine deciding the SPM of three real agents run with <c>"election": false</c> on a block
/// pool (root, loop devices, lvm; io_timeout 1 and an 8 s watchdog margin: host_dead 16 s). The
/// engine runs on the system clock and polls every second. Every agent enters the SPM witness
/// file while it holds the SDM lease, so "never two SPMs" is checked without trusting the
/// lease code (but for a frozen SPM: stopped, it cannot leave the witness when its lease
/// expires, so there the witness must show exactly its successor entering over it, and the
/// thawed host must drop the role without writing and never say SPM again). A takeover is timed from the moment the old SPM died or froze: it must land
/// after host_dead (less the up to 2 io the last renewal may precede the failure, and a second
/// of clock granularity: 4 s) and within host_dead plus <see cref="Margin"/>.
/// </summary>
public sealed class SpmScenarioTests(ITestOutputHelper output)
{
    /// <summary>A poll round or two to notice, the acquire and the recovery, on a 2-core machine shared with other test runs.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Early = TimeSpan.FromSeconds(4);

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_engine_starts_the_SPM_moves_it_by_hand_and_after_a_kill_or_a_freeze_moves_it_within_host_dead_and_never_sooner()
    {
        using var dir = new TempDir("engine-spm");
        var witness = NewWitness(dir);
        await using var test = await EnginePool.CreateAsync(output, tune: o => o with
        {
            Election = false,
            SpmPriority = h => h switch { 1 => 8, 2 => 5, _ => 2 },
            Environment = new Dictionary<string, string> { [Sanpool.Harness.SpmWitness.Variable] = witness.Path },
        });
        var pool = test.Pool;
        var hostDead = pool.Options.HostDead;
        pool.StartAll();
        await WaitCheckedAsync(pool);

        await using var engine = await HostsHarness.StartAsync(realAgents: true, realTime: true);
        var ids = new Dictionary<int, Guid>();
        foreach (int h in pool.HostIds)
        {
            ids[h] = await AddAsync(engine, pool.SocketOf(h), pool.Options.SpmPriority(h));
        }

        // 1. No SPM: the engine starts host 1, of the highest priority.
        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None));
        Say($"the engine made host 1 SPM {clock.Elapsed.TotalSeconds:0.0} s after the hosts were added");
        await WaitRecordedAsync(engine, pool, ids[1]);
        var keys = await pool.ReadPoolAsync(None);
        Assert.Equal(1, keys.SpmId);

        // spm.start with a previous SPM the master no longer names is refused: SPM_CHANGED.
        using (var client = pool.Client(3))
        {
            var changed = await Assert.ThrowsAsync<SanpoolException>(() =>
                client.CallAsync(AgentVerbs.SpmStart, new SpmStartRequest(PrevId: 2, PrevLver: keys.SpmLver - 1), None));
            Assert.Equal("SPM_CHANGED", changed.Code.Name);
        }

        // 2. Select host 2 by hand: host 1 gives the role up, host 2 takes it at once.
        clock.Restart();
        using (var selected = await engine.Admin.PostAsync($"/api/hosts/{ids[2]}/selectasspm", null))
        {
            string body = await selected.Content.ReadAsStringAsync();
            Assert.True(selected.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("spm", (string)JsonNode.Parse(body)!["spm"]!["status"]!);
        }

        Say($"select as SPM moved the role from host 1 to host 2 in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(2, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(5), null, None));
        Assert.Equal(ids[2], (await engine.Db.Pools.GetPoolAsync(pool.Pool, None))!.SpmVdsId);

        // 3. kill -9 of the SPM: the engine starts host 1, whose acquire waits out host 2's lease.
        await pool.CrashAsync(2, None);
        var dead = Stopwatch.StartNew();
        var took = await WaitTakeoverAsync(pool, 1, dead, hostDead, "kill -9 of SPM host 2");
        await WaitRecordedAsync(engine, pool, ids[1]);
        var started = await LastEventAsync(engine, EngineEventType.SPM_STARTED);
        Assert.Equal("host1", started.VdsName);
        Assert.Contains("previous SPM host id 2 (host2)", started.Message, StringComparison.Ordinal);

        witness.AssertNoViolations();

        // 4. A frozen SPM whose API cannot be reached: SIGSTOP, and its socket moved away.
        pool.Start(2);
        await WaitCheckedAsync(pool);
        await WaitUpAsync(engine, ids[2]);
        string socket = pool.SocketOf(1);
        int frozenPid = pool.Pid(1);
        pool.Signal(1, Signals.SIGSTOP);
        File.Move(socket, socket + ".away");
        var frozen = Stopwatch.StartNew();
        try
        {
            var tookFrozen = await WaitTakeoverAsync(pool, 2, frozen, hostDead, "SIGSTOP of SPM host 1, its socket gone");
            await WaitRecordedAsync(engine, pool, ids[2]);
            Say($"MEASURED: kill -9 {took.TotalSeconds:0.0} s, freeze {tookFrozen.TotalSeconds:0.0} s (host_dead {hostDead.TotalSeconds:0} s)");
        }
        finally
        {
            File.Move(socket + ".away", socket);
            pool.Signal(1, Signals.SIGCONT);
        }

        // Thawed, host 1 finds its lease gone: Free (or fenced itself), never a second SPM.
        await WatchOneSpmAsync(pool, TimeSpan.FromSeconds(8));
        if (pool.Running.Contains(1))
        {
            var states = await pool.SpmStatesAsync(None);
            Assert.NotEqual("SPM", states[1]);
        }

        Assert.Equal(2, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(5), null, None));
        var failed = (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(500), None))
            .Where(e => e.LogTypeName == nameof(EngineEventType.SPM_START_FAILED)).ToList();
        Say($"{failed.Count} SPM_START_FAILED event(s): {string.Join(" | ", failed.Select(e => e.Message))}");

        // The frozen holder could not leave the witness: host 2 entering over it is the only overlap recorded.
        Assert.All(witness.Violations, v => Assert.Contains($"host2/pid{pool.Pid(2)} (pid {pool.Pid(2)}) entered while host1/pid{frozenPid} ", v, StringComparison.Ordinal));
        if (pool.Running.Contains(1))
        {
            string log = await File.ReadAllTextAsync(pool.LogOf(1));
            Assert.Contains("host 1 lost the SPM role", log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task With_the_engine_down_the_hosts_elect_an_SPM_after_the_grace_and_the_engine_adopts_it_when_it_returns()
    {
        using var dir = new TempDir("engine-spm-down");
        var witness = NewWitness(dir);
        await using var test = await EnginePool.CreateAsync(output, tune: o => o with
        {
            Election = false,
            ManagerGraceSeconds = 5,
            Environment = new Dictionary<string, string> { [Sanpool.Harness.SpmWitness.Variable] = witness.Path },
        });
        var pool = test.Pool;
        var hostDead = pool.Options.HostDead;
        pool.StartAll();
        await WaitCheckedAsync(pool);

        using var engineDir = new TempDir("engine-spm-db");
        var ids = new Dictionary<int, Guid>();
        int spm;
        long lastEvent;
        await using (var engine = await HostsHarness.StartAsync(realAgents: true, realTime: true, dir: engineDir))
        {
            foreach (int h in pool.HostIds)
            {
                ids[h] = await AddAsync(engine, pool.SocketOf(h), 5);
            }

            // Whether the engine started it or the hosts elected one before they were added, the engine records it.
            spm = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
            await WaitRecordedAsync(engine, pool, ids[spm]);
            lastEvent = (await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(1), None))[0].AuditLogId;
        }

        // The engine is down; the SPM keeps serving, then dies.
        Say($"engine stopped; host {spm} is SPM");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(spm, await pool.WaitForSpmAsync(TimeSpan.FromSeconds(5), null, None));
        await pool.CrashAsync(spm, None);
        var dead = Stopwatch.StartNew();
        var others = pool.HostIds.Where(h => h != spm).ToList();
        var took = await WaitTakeoverAsync(pool, null, dead, hostDead, $"kill -9 of SPM host {spm} with the engine down");
        int next = await pool.WaitForSpmAsync(TimeSpan.FromSeconds(5), others, None);
        var before = await SpmStatusAsync(pool, next);
        Say($"MEASURED: the hosts elected host {next} {took.TotalSeconds:0.0} s after the SPM died (host_dead {hostDead.TotalSeconds:0} s), lver {before.Lver}");

        // The engine returns on its database: it adopts host `next` as it is, without restarting the role.
        await using (var engine = await HostsHarness.StartAsync(realAgents: true, realTime: true, dir: engineDir))
        {
            await WaitRecordedAsync(engine, pool, ids[next]);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = await SpmStatusAsync(pool, next);
            Assert.Equal(("SPM", before.Lver), (after.State, after.Lver));
            // Every event since the engine stopped: those of the restarted engine.
            var events = await engine.Db.AuditLog.ListSinceAsync(lastEvent, 100, None);
            Assert.DoesNotContain(events, e => e.LogTypeName is nameof(EngineEventType.SPM_STARTED) or nameof(EngineEventType.SPM_START_FAILED));
            Assert.Contains(events, e => e.LogTypeName == nameof(EngineEventType.SPM_CHANGED) && e.Message.Contains($"host{next}", StringComparison.Ordinal));
        }

        witness.AssertNoViolations();
    }

    private void Say(string line) => output.WriteLine($"[{DateTime.Now:HH:mm:ss.f}] {line}");

    private static Witness NewWitness(TempDir dir)
    {
        string path = dir.File("witness");
        File.WriteAllText(path, "");
        return new Witness(path);
    }

    private static async Task<Guid> AddAsync(HostsHarness engine, string address, int priority)
    {
        using var response = await engine.Admin.PostAsync("/api/hosts", System.Net.Http.Json.JsonContent.Create(new { address, spm_priority = priority }));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return Guid.Parse((string)JsonNode.Parse(text)!["id"]!);
    }

    /// <summary>
    /// Waits for <paramref name="next"/> (or any running host) to say SPM, never two at once, and
    /// checks the time since the failure against host_dead: not sooner, and within the margin.
    /// </summary>
    private async Task<TimeSpan> WaitTakeoverAsync(LocalPool pool, int? next, Stopwatch since, TimeSpan hostDead, string what)
    {
        int spm = await pool.WaitForSpmAsync(hostDead + Margin + TimeSpan.FromSeconds(30), next is { } n ? [n] : null, None);
        var took = since.Elapsed;
        Say($"MEASURED {what}: host {spm} is SPM {took.TotalSeconds:0.0} s later (host_dead {hostDead.TotalSeconds:0} s)");
        Assert.True(took >= hostDead - Early, $"{what}: host {spm} became SPM {took.TotalSeconds:0.0} s after, before host_dead {hostDead.TotalSeconds:0} s");
        Assert.True(took <= hostDead + Margin, $"{what}: host {spm} became SPM {took.TotalSeconds:0.0} s after, later than host_dead + {Margin.TotalSeconds:0} s");
        return took;
    }

    private static async Task<SpmStatusReply> SpmStatusAsync(LocalPool pool, int host)
    {
        using var client = pool.Client(host);
        return await client.CallAsync(AgentVerbs.SpmStatus, new SpmStatusRequest(), None);
    }

    /// <summary>Until the engine's database names the host as the pool's SPM, and the host as SPM.</summary>
    private static async Task WaitRecordedAsync(HostsHarness engine, LocalPool pool, Guid host)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var dc = await engine.Db.Pools.GetPoolAsync(pool.Pool, None);
            var view = await engine.Db.Hosts.GetViewAsync(host, None);
            if (dc?.SpmVdsId == host && dc.Status == StoragePoolStatus.Up && view?.Dynamic.SpmStatus == SpmStatus.SPM)
            {
                return;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the engine did not record host {host} as SPM: pool SPM {dc?.SpmVdsId}, status {dc?.Status}, host SPM status {view?.Dynamic.SpmStatus}");
            await Task.Delay(200);
        }
    }

    /// <summary>Until every running agent answers, connected, having read every domain (an agent starting has no socket yet).</summary>
    private static async Task WaitCheckedAsync(LocalPool pool)
    {
        var clock = Stopwatch.StartNew();
        foreach (int host in pool.Running)
        {
            string last = "no answer";
            while (true)
            {
                try
                {
                    using var client = pool.Client(host, TimeSpan.FromSeconds(5));
                    var status = await client.CallAsync(AgentVerbs.Status, new Sanpool.Api.Host.StatusRequest(), None);
                    if (status is { Connected: true, SeesAll: true })
                    {
                        break;
                    }

                    last = $"connected {status.Connected}, sees all {status.SeesAll}";
                }
                catch (SanpoolException e)
                {
                    last = e.Message;
                }

                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"host {host}: {last}");
                await Task.Delay(250);
            }
        }
    }

    private static async Task WaitUpAsync(HostsHarness engine, Guid host)
    {
        var clock = Stopwatch.StartNew();
        while ((await engine.Db.Hosts.GetViewAsync(host, None))?.Dynamic.Status != VdsStatus.Up)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"host {host} is not Up in the engine");
            await Task.Delay(200);
        }
    }

    /// <summary>Every running host's spm.status for <paramref name="period"/>: never two SPMs.</summary>
    private static async Task WatchOneSpmAsync(LocalPool pool, TimeSpan period)
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

    private static async Task<AuditLog> LastEventAsync(HostsHarness engine, EngineEventType type)
    {
        var events = await engine.Db.AuditLog.ListAsync(Sanpool.Engine.Data.Page.First(500), None);
        return events.First(e => e.LogTypeName == type.ToString());
    }
}
