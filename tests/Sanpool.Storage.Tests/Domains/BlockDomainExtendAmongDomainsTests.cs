using Sanpool.Core;
using Sanpool.Storage.Domains;
using static Sanpool.Storage.Tests.Domains.BlockDomainTestDevices;

namespace Sanpool.Storage.Tests.Domains;

/// <summary>
/// Extending a block domain while the devices given also hold other domains, as the SPM does
/// (it passes every device its host sees): only the device being added has to be free.
/// Real lvm on loop devices (root).
/// </summary>
public sealed class BlockDomainExtendAmongDomainsTests
{
    [Fact]
    public async Task Extend_with_another_domains_LUN_among_the_devices_adds_the_free_one_and_refuses_a_used_one()
    {
        await using var luns = await CreateAsync(2);
        string spare = await luns.AddAsync(1 * GiB);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        await BlockDomain.CreateAsync([luns[0]], first, "first", 512, default);
        await BlockDomain.CreateAsync([luns[1]], second, "second", 512, default);

        var info = await BlockDomain.ExtendAsync([luns[0], luns[1]], second, spare, default);
        Assert.Equal(second, info.Uuid);
        var pvs = (await luns.Lvm().PvsAsync()).ToDictionary(p => p.Name);
        Assert.Equal(second.ToString(), pvs[spare].VgName);
        Assert.Equal(first.ToString(), pvs[luns[0]].VgName);
        Assert.NotNull((await BlockDomain.ReadMetadataAsync([luns[1], spare], second, default))["PV1"]);

        // The other domain's LUN is not free: adding it is still refused.
        var e = await Assert.ThrowsAsync<SanpoolException>(() => BlockDomain.ExtendAsync([luns[1], spare], second, luns[0], default));
        Assert.Equal(StorageErrors.DeviceInUse, e.Code);
        Assert.Equal(first.ToString(), (await luns.Lvm().PvsAsync()).Single(p => p.Name == luns[0]).VgName);
    }
}
