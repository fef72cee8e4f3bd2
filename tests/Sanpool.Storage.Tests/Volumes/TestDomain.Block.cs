using Sanpool.BlockIO;
using Sanpool.Storage.Domains;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Volumes;

/// <summary>Block domains for tests: one 10 GiB sparse loop device per domain (the special LVs take about 4.5 GiB).</summary>
internal sealed partial class TestDomain
{
    private const long LunSize = 10L * 1024 * 1024 * 1024;

    private async Task CreateBlockAsync(int sectorSize) => await AddBlockDomainAsync(Uuid, sectorSize);

    private async Task AddBlockDomainAsync(Guid uuid, int sectorSize)
    {
        Requires.LoopDevices();
        Requires.Tool("lvm", "lvm2");
        var lun = await LoopDevice.CreateAsync(_dir.Path, LunSize, sectorSize);
        _owned.Add(lun);
        Devices = [.. Devices, lun.Path];
        await BlockDomain.CreateAsync([lun.Path], uuid, "test", sectorSize, 1, CancellationToken.None);
    }
}
