using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// Templates, as the engine keeps them: a <c>vm_static</c> row of entity_type TEMPLATE (no
/// <c>vm_dynamic</c>: a template never runs), its disks in <c>base_disks</c> and
/// <c>disk_vm_element</c>, each of one volume in <c>images</c> that thin clones name as their
/// parent and <c>it_guid</c>. The transactions of a template's job begin with the VM's disks
/// locked and the template's rows written LOCKED, and end with them settled from the storage or
/// removed.
/// </summary>
public sealed class TemplateStore
{
    private readonly EngineDatabase _db;

    internal TemplateStore(EngineDatabase db) => _db = db;

    public async Task<IReadOnlyList<VmStatic>> ListAsync(Page page, CancellationToken cancellationToken) =>
        await _db.Vms.ListAsync(page, VmEntityType.TEMPLATE, cancellationToken).ConfigureAwait(false);

    public Task<long> CountAsync(CancellationToken cancellationToken) => _db.Vms.CountAsync(VmEntityType.TEMPLATE, cancellationToken);

    /// <summary>The template of that id, or null (a VM's id is not a template's).</summary>
    public async Task<VmStatic?> GetAsync(Guid templateId, CancellationToken cancellationToken) =>
        await _db.Vms.GetAsync(templateId, cancellationToken).ConfigureAwait(false) is { EntityType: VmEntityType.TEMPLATE } template ? template : null;

    /// <summary>
    /// Begins a template of VM <paramref name="vmId"/>: refuses a VM that is missing, running or
    /// held by a job and a name taken by a VM or template; locks every disk of the VM (compare and
    /// set); writes the template, its disks (one LOCKED volume each, on the source disk's domain),
    /// <paramref name="job"/> with <paramref name="steps"/> and its subjects (the "VM", the
    /// "VmTemplate", each VM "Disk" and each "TemplateDisk"), all in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, VM_IS_RUNNING, VM_LOCKED, VM_NAME_EXISTS, DISK_LOCKED, DISK_ILLEGAL.</exception>
    public Task BeginAsync(Job job, IReadOnlyList<Step> steps, Guid vmId, VmStatic template, IReadOnlyList<TemplateDisk> disks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(disks);
        return _db.TransactAsync(
            async s =>
            {
                await VmJobStore.RefuseBusyAsync(s, vmId, disks.Select(d => d.SourceDisk), cancellationToken).ConfigureAwait(false);
                if (await s.ScalarAsync<long>("SELECT COUNT(*) FROM vm_static WHERE vm_name = @VmName", new { template.VmName }, cancellationToken).ConfigureAwait(false) > 0)
                {
                    throw new SanpoolException(EngineErrors.VmNameExists, $"a VM or template named '{template.VmName}' exists");
                }

                foreach (var disk in disks)
                {
                    var chain = await ImageStore.ListByDiskAsync(s, disk.SourceDisk, cancellationToken).ConfigureAwait(false);
                    await DiskJobStore.LockDiskAsync(s, disk.SourceDisk, chain, cancellationToken).ConfigureAwait(false);
                }

                await s.ExecuteAsync(
                    $"INSERT INTO vm_static ({VmStore.StaticColumns}) VALUES (@VmGuid, @VmName, @entityType, @VmtGuid, @MemSizeMb, @Description, @CreationDate, @UpdateDate)",
                    new
                    {
                        template.VmGuid, template.VmName, entityType = nameof(VmEntityType.TEMPLATE), template.VmtGuid, template.MemSizeMb, template.Description,
                        template.CreationDate, template.UpdateDate,
                    },
                    cancellationToken).ConfigureAwait(false);
                foreach (var disk in disks)
                {
                    await DiskStore.InsertAsync(s, disk.Disk, [disk.Volume], disk.DomainId, cancellationToken).ConfigureAwait(false);
                    await VmStore.AttachDiskAsync(s, new DiskVmElement(disk.Disk.DiskId, template.VmGuid, disk.Bootable, DiskInterface.VirtIO), cancellationToken).ConfigureAwait(false);
                }

                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                foreach (var step in steps)
                {
                    await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                }

                await JobStore.InsertSubjectsAsync(
                    s,
                    [
                        new(job.JobId, vmId, "VM"), new(job.JobId, template.VmGuid, TemplateSubject),
                        .. disks.Select(d => new JobSubject(job.JobId, d.SourceDisk, "Disk")),

                        // The template's own disks too: a reconciliation leaves their LOCKED rows to this job.
                        .. disks.Select(d => new JobSubject(job.JobId, d.Disk.DiskId, TemplateDiskSubject)),
                    ],
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>A template that was not made: its disks' rows and its own go, in one transaction.</summary>
    public Task RemoveAsync(Guid templateId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                foreach (var element in await VmStore.ListDisksAsync(s, templateId, cancellationToken).ConfigureAwait(false))
                {
                    await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @DiskId", new { element.DiskId }, cancellationToken).ConfigureAwait(false);
                }

                await s.ExecuteAsync(
                    "DELETE FROM vm_static WHERE vm_guid = @templateId AND entity_type = @entityType",
                    new { templateId, entityType = nameof(VmEntityType.TEMPLATE) },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Begins a VM made from <paramref name="templateId"/>: refuses a template that is missing or
    /// not OK and a taken name, then writes the VM (its ACTIVE snapshot, Down) with
    /// <paramref name="disks"/> LOCKED (each one COW volume over a template volume), the job, its
    /// steps and subjects (the "VM", the "VmTemplate", each new "Disk"), in one transaction.
    /// </summary>
    /// <exception cref="SanpoolException">TEMPLATE_NOT_FOUND, DISK_LOCKED (a template disk not OK, naming its job), VM_NAME_EXISTS.</exception>
    public Task BeginVmAsync(
        Job job, IReadOnlyList<Step> steps, VmStatic vm, Guid activeSnapshotId, Guid templateId, IReadOnlyList<TemplateDisk> disks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(disks);
        return _db.TransactAsync(
            async s =>
            {
                var template = await s.QuerySingleOrDefaultAsync(
                    $"SELECT {VmStore.StaticColumns} FROM vm_static WHERE vm_guid = @templateId AND entity_type = @entityType",
                    new { templateId, entityType = nameof(VmEntityType.TEMPLATE) },
                    VmStore.ReadStatic,
                    cancellationToken).ConfigureAwait(false)
                    ?? throw new SanpoolException(EngineErrors.TemplateNotFound, $"template {templateId} does not exist");
                foreach (var element in await VmStore.ListDisksAsync(s, templateId, cancellationToken).ConfigureAwait(false))
                {
                    var chain = await ImageStore.ListByDiskAsync(s, element.DiskId, cancellationToken).ConfigureAwait(false);
                    if (chain.Any(i => i.ImageStatus != ImageStatus.OK))
                    {
                        var holder = await JobStore.RunningJobOfAsync(s, templateId, cancellationToken).ConfigureAwait(false);
                        throw new SanpoolException(
                            EngineErrors.DiskLocked,
                            $"disk {element.DiskId} of template {template.VmName} is not OK" + (holder is null ? "" : $": job {holder.JobId} ({holder.Description}) works on it"));
                    }
                }

                if (await s.ScalarAsync<long>("SELECT COUNT(*) FROM vm_static WHERE vm_name = @VmName", new { vm.VmName }, cancellationToken).ConfigureAwait(false) > 0)
                {
                    throw new SanpoolException(EngineErrors.VmNameExists, $"a VM or template named '{vm.VmName}' exists");
                }

                await VmStore.InsertAsync(s, vm, activeSnapshotId, cancellationToken).ConfigureAwait(false);
                foreach (var disk in disks)
                {
                    await DiskStore.InsertAsync(s, disk.Disk, [disk.Volume], disk.DomainId, cancellationToken).ConfigureAwait(false);
                    await VmStore.AttachDiskAsync(s, new DiskVmElement(disk.Disk.DiskId, vm.VmGuid, disk.Bootable, DiskInterface.VirtIO), cancellationToken).ConfigureAwait(false);
                }

                await JobStore.InsertJobAsync(s, job, cancellationToken).ConfigureAwait(false);
                foreach (var step in steps)
                {
                    await JobStore.InsertStepAsync(s, step, cancellationToken).ConfigureAwait(false);
                }

                await JobStore.InsertSubjectsAsync(
                    s,
                    [new(job.JobId, vm.VmGuid, "VM"), new(job.JobId, templateId, TemplateSubject), .. disks.Select(d => new JobSubject(job.JobId, d.Disk.DiskId, "Disk"))],
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>A VM whose disks were not made: its disks' rows and its own go, in one transaction.</summary>
    public Task RemoveVmAsync(Guid vmId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                foreach (var element in await VmStore.ListDisksAsync(s, vmId, cancellationToken).ConfigureAwait(false))
                {
                    await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @DiskId", new { element.DiskId }, cancellationToken).ConfigureAwait(false);
                }

                await s.ExecuteAsync(
                    "DELETE FROM vm_static WHERE vm_guid = @vmId AND entity_type = @entityType", new { vmId, entityType = nameof(VmEntityType.VM) }, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>What a template job names the template by in <c>job_subject_entity</c>.</summary>
    public const string TemplateSubject = "VmTemplate";

    /// <summary>What a template job names each of the template's new disks by in <c>job_subject_entity</c>.</summary>
    public const string TemplateDiskSubject = "TemplateDisk";
}

/// <summary>One disk of a new template (made from <see cref="SourceDisk"/>, a disk of the VM) or of a VM made from a template (a thin clone over <see cref="SourceDisk"/>, a template disk), on <see cref="DomainId"/>.</summary>
public sealed record TemplateDisk(Guid SourceDisk, Guid DomainId, BaseDisk Disk, Image Volume, bool Bootable);
