using Sanpool.Core;
using Sanpool.Storage.Lvm;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>
/// The device list is the whole world a command sees: another PV and VG on the same host, one
/// device away, is never reported and cannot be used. Needs root and lvm2.
/// </summary>
public sealed class LvmDeviceFilterTests
{
    [Fact]
    public async Task A_command_never_reports_or_touches_a_device_outside_its_list()
    {
        await using var mine = await CreateAsync(deviceSize: 256 * MiB);
        await using var other = await CreateAsync(deviceSize: 256 * MiB);
        await other.Lvm.LvCreateAsync(other.Vg, "theirs", 4 * MiB, ["IU_other"]);

        var pvs = await mine.Lvm.PvsAsync();
        var vgs = await mine.Lvm.VgsAsync();
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => mine.Lvm.VgsAsync(other.Vg));
        var lvsMissing = await Assert.ThrowsAsync<SanpoolException>(() => mine.Lvm.LvsAsync(other.Vg));
        var rejected = await Assert.ThrowsAsync<SanpoolException>(() => mine.Lvm.VgExtendAsync(mine.Vg, [other.Device.Path]));

        Assert.Equal([mine.Device.Path], pvs.Select(p => p.Name));
        Assert.Equal([mine.Vg], vgs.Select(v => v.Name));
        Assert.Equal(LvmErrors.VgNotFound, missing.Code);
        Assert.Equal(LvmErrors.VgNotFound, lvsMissing.Code);
        Assert.Equal(LvmErrors.DeviceNotFound, rejected.Code);
        Assert.Contains("rejected by filter", rejected.Message, StringComparison.Ordinal);

        // The other VG is untouched and still whole, seen through its own filter.
        var theirs = Assert.Single(await other.Lvm.LvsAsync(other.Vg));
        Assert.Equal(["IU_other"], theirs.Tags.AsEnumerable());
        Assert.Equal([other.Device.Path], (await other.Lvm.PvsAsync()).Select(p => p.Name));
    }

    [Fact]
    public async Task An_empty_device_list_sees_nothing()
    {
        await using var vg = await CreateAsync(deviceSize: 256 * MiB);
        var blind = new LvmCommand(new LvmOptions([]) { LvmPath = vg.Lvm.Options.LvmPath });

        Assert.Empty(await blind.PvsAsync());
        Assert.Empty(await blind.VgsAsync());
    }
}
