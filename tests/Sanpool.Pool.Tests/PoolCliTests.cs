using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.TestSupport;

namespace Sanpool.Pool.Tests;

/// <summary>
/// <c>sanpool pool attach|detach|move-master|info</c> as real processes on file domains, and a
/// master move killed with SIGKILL at each of its steps (SANPOOL_CRASH_AT): the same command run
/// again completes it, and the pool reads the same from every side afterwards.
/// </summary>
public sealed class PoolCliTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Attach_move_the_master_and_detach_from_the_command_line_with_pool_info_showing_the_master_version()
    {
        await using var pool = await TestPool.CreateAsync();
        var third = await pool.AddDomainAsync();
        string m = pool.Master.ToString(), s = pool.Second.ToString(), t = third.ToString();

        var attached = JsonNode.Parse(Ok(await pool.CliAsync(["pool", "attach", m, t, "--json"])))!;
        Assert.Equal(3, attached["domains"]!.AsObject().Count);
        var info = await InfoAsync(pool, m);
        Assert.Equal((1, 3), ((int)info["master_version"]!, info["domains"]!.AsObject().Count));

        Assert.Equal(s, Ok(await pool.CliAsync(["pool", "move-master", m, s])).Trim());
        info = await InfoAsync(pool, s);
        Assert.Equal((2, s, 3), ((int)info["master_version"]!, (string)info["master"]!, info["domains"]!.AsObject().Count));
        var old = await pool.CliAsync(["pool", "info", m]);
        Assert.Equal(1, old.ExitCode);
        Assert.Contains($"WRONG_MASTER (-701): pool {pool.Pool}: domain {m} is a regular domain of the pool, not its master; the master is {s} at version 2",
            old.StandardError, StringComparison.Ordinal);

        // The old master takes no more changes: it says where the master is.
        var viaOld = await pool.CliAsync(["pool", "detach", m, t]);
        Assert.Equal(1, viaOld.ExitCode);
        Assert.Contains($"the master is {s} at version 2", viaOld.StandardError, StringComparison.Ordinal);

        Ok(await pool.CliAsync(["pool", "detach", s, t]));
        Assert.Equal(2, (await InfoAsync(pool, s))["domains"]!.AsObject().Count);
        await using var detached = await pool.StoreAsync(third);
        Assert.Null(DomainInfo.From(await detached.ReadDomainMetadataAsync(None)).Pool);

        // The new master can be detached from once the role moved back.
        Ok(await pool.CliAsync(["pool", "move-master", s, m]));
        Assert.Equal(3, (int)(await InfoAsync(pool, m))["master_version"]!);
        Ok(await pool.CliAsync(["pool", "detach", m, s]));
        Assert.Single((await InfoAsync(pool, m))["domains"]!.AsObject());
    }

    [Fact]
    public async Task Mistakes_are_refused_with_clear_errors_and_nothing_written()
    {
        await using var pool = await TestPool.CreateAsync();
        var outsider = await pool.AddDomainAsync();
        var foreign = await pool.AddDomainAsync();
        string m = pool.Master.ToString(), s = pool.Second.ToString(), o = outsider.ToString();
        Ok(await pool.CliAsync(["pool", "create", "--master", foreign.ToString()]));

        var self = await pool.CliAsync(["pool", "move-master", m, m]);
        Assert.Equal(2, self.ExitCode);
        Assert.Contains("is MASTER itself", self.StandardError, StringComparison.Ordinal);
        Assert.Contains("sanpool pool move-master --help", self.StandardError, StringComparison.Ordinal);

        Fails(await pool.CliAsync(["pool", "attach", m, foreign.ToString()]), "DOMAIN_ATTACHED", $"domain {foreign} already belongs to pool");
        Fails(await pool.CliAsync(["pool", "detach", m, o]), "DOMAIN_NOT_IN_POOL", $"domain {o} is not in pool {pool.Pool}");
        Fails(await pool.CliAsync(["pool", "move-master", m, o]), "DOMAIN_NOT_IN_POOL", $"domain {o} is not in pool {pool.Pool}; attach it first");
        Fails(await pool.CliAsync(["pool", "attach", o, s]), "POOL_NOT_FOUND", $"domain {o} is not the master domain of a pool");

        await using (var master = await pool.StoreAsync(pool.Master))
        {
            var md = await master.ReadDomainMetadataAsync(None);
            var keys = PoolMetadata.From(md, pool.Master);
            await master.WriteDomainMetadataAsync((keys with { Domains = new Dictionary<Guid, string> { [pool.Master] = "Active", [pool.Second] = "Attached" } }).ApplyTo(md), None);
        }

        Fails(await pool.CliAsync(["pool", "move-master", m, s]), "DOMAIN_NOT_ACTIVE", $"domain {s} is Attached in pool {pool.Pool}");
        var info = await InfoAsync(pool, m);
        Assert.Equal(1, (int)info["master_version"]!);
        Assert.Null(DomainInfo.From(await (await pool.StoreAsync(outsider)).ReadDomainMetadataAsync(None)).Pool);

        foreach (var verb in new[] { "attach", "detach", "move-master" })
        {
            var help = await pool.CliAsync(["pool", verb, "--help"]);
            Assert.True(help.Succeeded, help.StandardError);
            Assert.Contains("MASTER", help.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("SPM lease", help.StandardOutput, StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> CrashPoints => [.. MasterMove.CrashPoints];

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task A_move_killed_at_any_step_is_completed_by_running_it_again(string point)
    {
        await using var pool = await TestPool.CreateAsync();
        await MoveKilledAtAsync(pool, point);
    }

    [Fact]
    public async Task On_block_domains_a_master_move_killed_after_its_commit_point_completes_and_attach_and_detach_work()
    {
        await using var pool = await TestPool.CreateAsync("block");
        var third = await pool.AddDomainAsync();
        string m = pool.Master.ToString(), s = pool.Second.ToString(), t = third.ToString();

        await MoveKilledAtAsync(pool, MasterMove.Committed);

        Ok(await pool.CliAsync(["pool", "attach", s, t]));
        Ok(await pool.CliAsync(["pool", "detach", s, m]));
        var info = await InfoAsync(pool, s);
        Assert.Equal(new[] { s, t }.Order(), info["domains"]!.AsObject().Select(d => d.Key).Order());
        Assert.Equal(2, (int)info["master_version"]!);
        await using var detached = await pool.StoreAsync(pool.Master);
        Assert.Null(DomainInfo.From(await detached.ReadDomainMetadataAsync(None)).Pool);
    }

    /// <summary>
    /// Seeds tasks on the master, runs <c>pool move-master</c> killed at <paramref name="point"/>,
    /// checks what the pool says then, runs the same command again and checks it completed.
    /// </summary>
    private static async Task MoveKilledAtAsync(TestPool pool, string point)
    {
        string m = pool.Master.ToString(), s = pool.Second.ToString();
        var tasks = await MasterAreaBytes.SeedAsync(await pool.StoreAsync(pool.Master));

        var crashed = await pool.CliAsync(["pool", "move-master", m, s], point);
        Assert.True(crashed.ExitCode == 137, $"expected death by SIGKILL at {point}: exit {crashed.ExitCode}\n{crashed.StandardError}");
        Assert.Contains($"crash point {point}", crashed.StandardError, StringComparison.Ordinal);

        // In between, the pool reads one way from every side: before the commit the old master, after it the new.
        bool committed = point is MasterMove.Committed or MasterMove.Demoted;
        var (master, other) = committed ? (s, m) : (m, s);
        Assert.Equal(committed ? 2 : 1, (int)(await InfoAsync(pool, master))["master_version"]!);
        var viaOther = await pool.CliAsync(["pool", "info", other]);
        Assert.True(viaOther.ExitCode == 1, $"pool info {other} after a crash at {point}: {viaOther.StandardOutput}{viaOther.StandardError}");
        Assert.Contains($"WRONG_MASTER (-701): pool {pool.Pool}: domain {other}", viaOther.StandardError, StringComparison.Ordinal);
        Assert.Contains($"the master is {master} at version {(committed ? 2 : 1)}", viaOther.StandardError, StringComparison.Ordinal);

        var again = await pool.CliAsync(["pool", "move-master", m, s]);
        Assert.True(again.Succeeded, $"the same move after a crash at {point}: {again.StandardError}");
        Assert.Equal(s, again.StandardOutput.Trim());

        var info = await InfoAsync(pool, s);
        Assert.Equal(2, (int)info["master_version"]!);
        Assert.Equal(new[] { m, s }.Order(), info["domains"]!.AsObject().Select(d => d.Key).Order());
        await using var oldStore = await pool.Locator.OpenAsync(pool.Master, new QemuImg(), pool.Scratch("check"), None);
        await using var newStore = await pool.Locator.OpenAsync(pool.Second, new QemuImg(), pool.Scratch("check"), None);
        var oldInfo = DomainInfo.From(await oldStore.ReadDomainMetadataAsync(None));
        Assert.Equal((PoolMetadata.RegularRole, pool.Pool.ToString()), (oldInfo.Role, oldInfo.Pool));
        Assert.Equal(await MasterAreaBytes.PoolPartAsync(oldStore), await MasterAreaBytes.PoolPartAsync(newStore));
        Assert.Equal(tasks.Select(x => x.Id).Order(), (await MasterAreaBytes.TasksAsync(newStore)).Select(x => x.Id).Order());

        var stale = await Assert.ThrowsAsync<SanpoolException>(() => PoolHost.ConnectAsync(pool.Options(2) with { MasterVersion = 1 }, new QemuImg(),
            NullLogger.Instance, None));
        Assert.Equal(PoolErrors.WrongMaster, stale.Code);
        Assert.EndsWith($"the master is {s} at version 2", stale.Message, StringComparison.Ordinal);
        await using var host = await PoolHost.ConnectAsync(pool.Options(2) with { Master = pool.Second, MasterVersion = 2 }, new QemuImg(), NullLogger.Instance, None);
        Assert.Equal(2, host.Pool.Domains.Count);
    }

    private static async Task<JsonNode> InfoAsync(TestPool pool, string master) =>
        JsonNode.Parse(Ok(await pool.CliAsync(["pool", "info", master])))!;

    private static string Ok(ToolResult result)
    {
        Assert.True(result.Succeeded, $"{result.CommandLine}: exit {result.ExitCode}\n{result.StandardError}");
        return result.StandardOutput;
    }

    private static void Fails(ToolResult result, string code, string message)
    {
        Assert.True(result.ExitCode == 1, $"{result.CommandLine}: expected exit 1, got {result.ExitCode}\n{result.StandardOutput}{result.StandardError}");
        Assert.Contains(code, result.StandardError, StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }
}
