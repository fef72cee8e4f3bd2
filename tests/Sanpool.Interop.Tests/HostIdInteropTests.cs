using System.Globalization;
using Sanpool.Interop.Tests.Support;
using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests;

/// <summary>
/// Host-id (delta) leases written by one tool and read by the other: owner, generation and
/// host name must mean the same to both. Each acquire of a free id waits 2 x io_timeout (2 s).
/// </summary>
public sealed class HostIdInteropTests
{
    public static TheoryData<string> Geometries => GeometryCase.Theory;

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task Host_ids_acquired_by_either_tool_show_the_same_owner_generation_and_name_in_both(string geometry)
    {
        var g = GeometryCase.Parse(geometry);
        using var dir = new TempDir("interop-hostid");
        await using var target = await LeaseTarget.CreateAsync(dir, g);
        await SanpoolCli.OutputAsync(["lease", "init", "-s", target.Lockspace("LS", 0), .. g.GeometryArgs, "-o", "1"]);

        await SanpoolCli.OutputAsync("lease", "acquire-id", "-s", target.Lockspace("LS", 1), "-e", "hostA", "-o", "1");
        var host1 = await SanlockDumpLineAsync(target, hostId: 1);
        Assert.Equal(("LS", "hostA", 1UL, 1UL), (host1.Lockspace, host1.Resource, host1.Owner, host1.Generation));
        Assert.NotEqual(0UL, host1.Timestamp);

        // The same host name again: sanlock's fast re-acquire, one generation more.
        await SanpoolCli.OutputAsync("lease", "acquire-id", "-s", target.Lockspace("LS", 1), "-e", "hostA", "-o", "1");
        host1 = await SanlockDumpLineAsync(target, hostId: 1);
        Assert.Equal(("hostA", 1UL, 2UL), (host1.Resource, host1.Owner, host1.Generation));
        var fields = await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", 1));
        Assert.Equal("1", fields["io_timeout"]);

        // Host 2 by the real sanlock: sanpool sees it.
        await SanlockCli.DirectAsync("acquire_id", "-s", target.Lockspace("LS", 2), "-e", "hostB", "-o", "1");
        var lines = DumpLine.ParseAll(await SanpoolCli.OutputAsync("lease", "dump", target.Path));
        var host2 = Assert.Single(lines, l => l.Offset == g.SectorSize);
        Assert.Equal(("LS", "hostB", 2UL, 1UL), (host2.Lockspace, host2.Resource, host2.Owner, host2.Generation));
        Assert.NotEqual(0UL, host2.Timestamp);
        await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", 2));
        await BothTools.AssertSameDumpAsync(target.Path);

        // Renewal and release by sanpool, as sanlock sees them: a new timestamp, then 0 with
        // owner, generation and name kept.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await SanpoolCli.OutputAsync("lease", "renew-id", "-s", target.Lockspace("LS", 1), "-e", "hostA", "-o", "1");
        var renewed = await SanlockDumpLineAsync(target, hostId: 1);
        Assert.True(renewed.Timestamp > host1.Timestamp, $"renewal wrote timestamp {renewed.Timestamp}, not after {host1.Timestamp}");
        await SanpoolCli.OutputAsync("lease", "release-id", "-s", target.Lockspace("LS", 1), "-e", "hostA", "-o", "1");
        var released = LeaderFields.Parse(await SanlockCli.DirectAsync("read_leader", "-s", target.Lockspace("LS", 1)));
        Assert.Equal(("0", "1", "2", "hostA"),
            (released["timestamp"], released["owner_id"], released["owner_generation"], released["resource_name"]));

        // And sanlock's release of host 2, as sanpool sees it.
        await SanlockCli.DirectAsync("release_id", "-s", target.Lockspace("LS", 2));
        var freed = LeaderFields.Parse(await SanpoolCli.OutputAsync("lease", "read-leader", "-s", target.Lockspace("LS", 2)));
        Assert.Equal(("0", "2", "1", "hostB"), (freed["timestamp"], freed["owner_id"], freed["owner_generation"], freed["resource_name"]));
        await BothTools.AssertSameDumpAsync(target.Path);
    }

    private static async Task<DumpLine> SanlockDumpLineAsync(LeaseTarget target, int hostId)
    {
        string dump = await SanlockCli.DirectAsync("dump", target.Path);
        long offset = GeometryCase.LockspaceOffset + ((long)(hostId - 1) * target.Geometry.SectorSize);
        return DumpLine.ParseAll(dump).SingleOrDefault(l => l.Offset == offset)
               ?? throw new Xunit.Sdk.XunitException(string.Create(CultureInfo.InvariantCulture,
                   $"sanlock direct dump shows no host id {hostId} (offset {offset}):\n{dump}"));
    }
}
