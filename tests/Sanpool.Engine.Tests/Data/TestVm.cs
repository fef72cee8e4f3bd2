using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>Seed 003's starting point: a VM with one disk, whose one volume (the base) is in the VM's ACTIVE snapshot.</summary>
internal sealed record TestVm(Guid VmId, Guid DiskId, Guid BaseImage, Guid FirstActiveId, Guid DomainId)
{
    public static async Task<TestVm> CreateAsync(EngineDatabase database, string name = "TestVM")
    {
        var none = CancellationToken.None;
        var domain = Sample.Domain();
        await database.Pools.InsertDomainAsync(domain, none);
        var vm = Sample.Vm(name);
        Guid active = Guid.NewGuid();
        await database.Vms.InsertAsync(vm, active, none);
        var disk = Sample.Disk();
        var image = Sample.BaseImage(disk.DiskId, snapshotId: null);
        await database.Disks.InsertAsync(disk, [image], domain.Id, none);
        await database.Vms.AttachDiskAsync(new DiskVmElement(disk.DiskId, vm.VmGuid, true, DiskInterface.VirtIO), none);
        return new TestVm(vm.VmGuid, disk.DiskId, image.ImageGuid, active, domain.Id);
    }
}
