using Sanpool.Interop.Tests.Support;
using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests;

/// <summary>
/// Lease areas formatted by one tool and read by the other, for every geometry sanlock
/// supports, on regular files and on loop devices with real 512- and 4096-byte sectors.
/// Needs root (loop devices) and the real sanlock 3.8.5.
/// </summary>
public sealed class InitInteropTests
{
    public static TheoryData<string> Geometries => GeometryCase.Theory;

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task Sanpool_init_writes_exactly_the_bytes_sanlock_init_writes(string geometry)
    {
        var g = GeometryCase.Parse(geometry);
        using var dir = new TempDir("interop-init");
        await using var ours = await LeaseTarget.CreateAsync(dir, g, "ours");
        await using var theirs = await LeaseTarget.CreateAsync(dir, g, "theirs");

        await SanpoolCli.OutputAsync(["lease", "init", "-s", ours.Lockspace("LS", 0), .. g.GeometryArgs, "-o", "1"]);
        await SanpoolCli.OutputAsync(["lease", "init", "-r", ours.Resource("LS", "RES"), .. g.GeometryArgs]);
        await SanlockCli.DirectAsync(["init", "-s", theirs.Lockspace("LS", 0), .. g.GeometryArgs, "-o", "1"]);
        await SanlockCli.DirectAsync(["init", "-r", theirs.Resource("LS", "RES"), .. g.GeometryArgs]);

        // The whole device: both areas, and the third one that neither may touch.
        BothTools.AssertSameBytes(await theirs.ReadAllAsync(), await ours.ReadAllAsync(), $"{g} init");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task What_sanpool_initialises_sanlock_dumps_and_reads_as_sanpool_does(string geometry)
    {
        var g = GeometryCase.Parse(geometry);
        using var dir = new TempDir("interop-init");
        await using var target = await LeaseTarget.CreateAsync(dir, g);

        await SanpoolCli.OutputAsync(["lease", "init", "-s", target.Lockspace("LS", 0), .. g.GeometryArgs, "-o", "1"]);
        await SanpoolCli.OutputAsync(["lease", "init", "-r", target.Resource("LS", "RES"), .. g.GeometryArgs]);

        await BothTools.AssertSameDumpAsync(target.Path);
        var first = await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", 1));
        var last = await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", g.MaxHosts));
        var res = await BothTools.AssertSameLeaderAsync("-r", target.Resource("LS", "RES"));

        Assert.Equal("1", first["io_timeout"]);
        Assert.Equal((ulong)g.SectorSize, last.Number("sector_size"));
        Assert.Equal((ulong)g.MaxHosts, res.Number("num_hosts"));
        Assert.Equal((ulong)g.MaxHosts, res.Number("max_hosts"));
        Assert.Equal((ulong)g.Alignment / (1024 * 1024) << 4, res.Number("flags"));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public async Task What_sanlock_initialises_and_acquires_sanpool_dumps_and_reads_as_sanlock_does(string geometry)
    {
        var g = GeometryCase.Parse(geometry);
        using var dir = new TempDir("interop-init");
        await using var target = await LeaseTarget.CreateAsync(dir, g);

        await SanlockCli.DirectAsync(["init", "-s", target.Lockspace("LS", 0), .. g.GeometryArgs, "-o", "1"]);
        await SanlockCli.DirectAsync(["init", "-r", target.Resource("LS", "RES"), .. g.GeometryArgs]);
        await BothTools.AssertSameDumpAsync(target.Path);
        await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", 1));
        await BothTools.AssertSameLeaderAsync("-r", target.Resource("LS", "RES"));

        // Now with an owner in both areas: a host id and a paxos leader, dblock and all.
        await SanlockCli.DirectAsync("acquire_id", "-s", target.Lockspace("LS", 1), "-e", "hostA", "-o", "1");
        await SanlockCli.DirectAsync("acquire", "-r", target.Resource("LS", "RES"), "-i", "1", "-g", "1");
        await BothTools.AssertSameDumpAsync(target.Path);
        var host = await BothTools.AssertSameLeaderAsync("-s", target.Lockspace("LS", 1));
        var res = await BothTools.AssertSameLeaderAsync("-r", target.Resource("LS", "RES"));

        Assert.Equal(("hostA", 1UL, 1UL), (host["resource_name"], host.Number("owner_id"), host.Number("owner_generation")));
        Assert.Equal((1UL, 1UL, 1UL), (res.Number("lver"), res.Number("owner_id"), res.Number("owner_generation")));
        var lines = DumpLine.ParseAll(await SanpoolCli.OutputAsync("lease", "dump", target.Path));
        Assert.Contains(lines, l => l.Offset == g.ResourceOffset && l is { Resource: "RES", Owner: 1, Lver: 1 });
    }
}
