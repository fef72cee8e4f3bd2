using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// The transactions of templates and of VMs made from them, on SQLite and PostgreSQL: a
/// template's begin locks the VM's disks and writes the template LOCKED, or nothing; a VM is not
/// made from a template whose disks are LOCKED; a template or VM not made leaves no row behind;
/// templates are listed apart from VMs.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class TemplateStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task A_template_begins_locked_with_the_vm_disks_and_is_listed_apart_from_vms_and_a_refused_one_writes_nothing(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db, "Golden");
        string counts = await CountsAsync(db);

        // The name of a VM: refused, nothing written, the VM's disk not locked.
        var (taken, takenSteps) = NewJob();
        var (_, takenTemplate, takenDisk) = NewTemplate(vm, "Golden");
        var exists = await Assert.ThrowsAsync<SanpoolException>(() => db.Templates.BeginAsync(taken, takenSteps, vm.VmId, takenTemplate, [takenDisk], None));
        Assert.Equal(EngineErrors.VmNameExists, exists.Code);
        Assert.Equal(counts, await CountsAsync(db));

        var (job, steps) = NewJob();
        var (_, template, disk) = NewTemplate(vm, "golden-tpl");
        await db.Templates.BeginAsync(job, steps, vm.VmId, template, [disk], None);
        Assert.Equal([ImageStatus.LOCKED], (await db.Images.ListByDiskAsync(vm.DiskId, None)).Select(i => i.ImageStatus));
        Assert.Equal([(disk.Volume.ImageGuid, ImageStatus.LOCKED)], (await db.Images.ListByDiskAsync(disk.Disk.DiskId, None)).Select(i => (i.ImageGuid, i.ImageStatus)));
        Assert.Equal(template, await db.Templates.GetAsync(template.VmGuid, None));
        Assert.Null(await db.Templates.GetAsync(vm.VmId, None));
        Assert.Equal([template.VmGuid], (await db.Templates.ListAsync(new Page(10, 0), None)).Select(t => t.VmGuid));
        Assert.Equal([vm.VmId], (await db.Vms.ListAsync(new Page(10, 0), None)).Select(v => v.VmGuid));
        Assert.Equal((1, 1), (await db.Templates.CountAsync(None), await db.Vms.CountAsync(None)));
        Assert.Equal([disk.Disk.DiskId], (await db.Vms.ListDisksAsync(template.VmGuid, None)).Select(d => d.DiskId));
        Assert.Equal(job.JobId, (await db.Jobs.RunningJobOfAsync(disk.Disk.DiskId, None))!.JobId);
        Assert.Equal(job.JobId, (await db.Jobs.RunningJobOfAsync(vm.DiskId, None))!.JobId);

        // A VM from it while it is being made: refused naming the job; an unknown template: refused.
        var (cloneJob, cloneSteps) = NewJob();
        var (clone, cloneDisk) = NewClone(template, disk, "Clone1");
        var locked = await Assert.ThrowsAsync<SanpoolException>(() => db.Templates.BeginVmAsync(cloneJob, cloneSteps, clone, Guid.NewGuid(), template.VmGuid, [cloneDisk], None));
        Assert.Equal(EngineErrors.DiskLocked, locked.Code);
        Assert.Contains(job.JobId.ToString(), locked.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<SanpoolException>(() => db.Templates.BeginVmAsync(cloneJob, cloneSteps, clone, Guid.NewGuid(), Guid.NewGuid(), [cloneDisk], None));
        Assert.Equal(EngineErrors.TemplateNotFound, missing.Code);

        // Not made: the template and its disk go; the VM's disk is the caller's to settle.
        await db.Templates.RemoveAsync(template.VmGuid, None);
        Assert.Null(await db.Templates.GetAsync(template.VmGuid, None));
        Assert.Null(await db.Disks.GetAsync(disk.Disk.DiskId, None));
        Assert.Empty(await db.Images.ListByDiskAsync(disk.Disk.DiskId, None));
        Assert.Equal(0, await db.Templates.CountAsync(None));
    }

    [Theory]
    [BothDatabases]
    public async Task A_vm_from_a_template_begins_with_thin_clone_rows_locked_and_one_not_made_leaves_nothing(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var vm = await TestVm.CreateAsync(db, "Golden");
        var (job, steps) = NewJob();
        var (_, template, disk) = NewTemplate(vm, "golden-tpl");
        await db.Templates.BeginAsync(job, steps, vm.VmId, template, [disk], None);
        await db.DiskJobs.SettleAsync(disk.Disk.DiskId, [disk.Volume.ImageGuid], ImageStatus.OK, None);
        await db.DiskJobs.SettleAsync(vm.DiskId, [vm.BaseImage], ImageStatus.OK, None);
        await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FINISHED, None);

        var (cloneJob, cloneSteps) = NewJob();
        var (clone, cloneDisk) = NewClone(template, disk, "Clone1");
        await db.Templates.BeginVmAsync(cloneJob, cloneSteps, clone, Guid.NewGuid(), template.VmGuid, [cloneDisk], None);
        var row = Assert.Single(await db.Images.ListByDiskAsync(cloneDisk.Disk.DiskId, None));
        Assert.Equal((disk.Volume.ImageGuid, disk.Volume.ImageGuid, ImageStatus.LOCKED), (row.ParentId, row.ItGuid, row.ImageStatus));
        Assert.Equal(template.VmGuid, (await db.Vms.GetAsync(clone.VmGuid, None))!.VmtGuid);
        Assert.Equal(VmStatus.Down, (await db.Vms.GetDynamicAsync(clone.VmGuid, None))!.Status);
        Assert.Equal([cloneDisk.Disk.DiskId], (await db.Vms.ListDisksAsync(clone.VmGuid, None)).Select(d => d.DiskId));
        Assert.Equal(
            [(clone.VmGuid, "VM"), (template.VmGuid, TemplateStore.TemplateSubject), (cloneDisk.Disk.DiskId, "Disk")],
            (await db.Jobs.ListSubjectsAsync(cloneJob.JobId, None)).Select(s => (s.EntityId, s.EntityType)).OrderBy(s => s.EntityType == "VM" ? 0 : s.EntityType == "Disk" ? 2 : 1));

        // The same name again: refused.
        var (againJob, againSteps) = NewJob();
        var (again, againDisk) = NewClone(template, disk, "Clone1");
        Assert.Equal(
            EngineErrors.VmNameExists,
            (await Assert.ThrowsAsync<SanpoolException>(() => db.Templates.BeginVmAsync(againJob, againSteps, again, Guid.NewGuid(), template.VmGuid, [againDisk], None))).Code);

        // Not made: the VM and its disk go, the template stays.
        await db.Templates.RemoveVmAsync(clone.VmGuid, None);
        Assert.Null(await db.Vms.GetAsync(clone.VmGuid, None));
        Assert.Null(await db.Disks.GetAsync(cloneDisk.Disk.DiskId, None));
        Assert.NotNull(await db.Templates.GetAsync(template.VmGuid, None));
        Assert.Equal([(disk.Volume.ImageGuid, ImageStatus.OK)], (await db.Images.ListByDiskAsync(disk.Disk.DiskId, None)).Select(i => (i.ImageGuid, i.ImageStatus)));
    }

    private static (Job Job, IReadOnlyList<Step> Steps) NewJob()
    {
        var job = new Job(Guid.NewGuid(), "AddVmTemplate", "template", JobExecutionStatus.STARTED, null, true, Sample.T0, null, Sample.T0, "corr", false, true);
        return (job, [new Step(Guid.NewGuid(), null, job.JobId, StepType.COPY_IMAGE, "template", 1, JobExecutionStatus.STARTED, 0, Sample.T0, null, "corr", null, null)]);
    }

    private static (Guid Id, VmStatic Template, TemplateDisk Disk) NewTemplate(TestVm vm, string name)
    {
        var template = new VmStatic(Guid.NewGuid(), name, VmEntityType.TEMPLATE, Guid.Empty, 2048, null, Sample.T0, null);
        var disk = Sample.Disk(name);
        var volume = Sample.BaseImage(disk.DiskId, null) with { ImageStatus = ImageStatus.LOCKED };
        return (template.VmGuid, template, new TemplateDisk(vm.DiskId, vm.DomainId, disk, volume, true));
    }

    private static (VmStatic Vm, TemplateDisk Disk) NewClone(VmStatic template, TemplateDisk templateDisk, string name)
    {
        var vm = Sample.Vm(name) with { VmtGuid = template.VmGuid };
        var disk = Sample.Disk(name + "_disk");
        var volume = Sample.BaseImage(disk.DiskId, null) with
        {
            ImageStatus = ImageStatus.LOCKED, ParentId = templateDisk.Volume.ImageGuid, ItGuid = templateDisk.Volume.ImageGuid,
            VolumeType = VolumeType.Sparse, VolumeFormat = VolumeFormat.COW,
        };
        return (vm, new TemplateDisk(templateDisk.Disk.DiskId, templateDisk.DomainId, disk, volume, true));
    }

    private static Task<string> CountsAsync(EngineDatabase db) =>
        db.ReadAsync(
            async s =>
            {
                var counts = new List<string>();
                foreach (string table in new[] { "job", "step", "job_subject_entity", "vm_static", "vm_dynamic", "snapshots", "base_disks", "images", "disk_vm_element" })
                {
                    counts.Add($"{table}={await s.ScalarAsync<long>("SELECT COUNT(*) FROM " + table, null, None)}");
                }

                counts.Add($"locked={await s.ScalarAsync<long>("SELECT COUNT(*) FROM images WHERE imagestatus = 2", null, None)}");
                return string.Join(' ', counts);
            },
            None);
}
