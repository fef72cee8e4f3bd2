using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;
using StorageAllocation = Sanpool.Storage.Metadata.AllocationType;
using StorageFormat = Sanpool.Storage.Metadata.VolumeFormat;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// A VM made from a template, as one job: the VM is written with one LOCKED disk per template
/// disk (<see cref="TemplateStore.BeginVmAsync"/>), each a thin clone: one COW volume whose parent
/// (and <c>it_guid</c>) is the template disk's volume; then, disk after disk, the SPM's
/// <c>image.create</c> with the template makes it on the template's domain. Every clone on storage:
/// the VM is kept, its disks OK. One missing: the clones made are deleted again and the VM's rows
/// go, so the VM has all its disks or does not exist. An engine killed in the middle finishes the
/// job from the storage at its next start (<see cref="RecoverAsync"/>).
/// </summary>
public sealed class TemplateVmJobs(JobRunner runner, ILogger<TemplateVmJobs> logger)
{
    public const string AddVmFromTemplateAction = "AddVmFromTemplate";

    private const string Recovered = " (finished after an engine restart)";

    /// <summary>Starts a job that defines VM <paramref name="spec"/> with a thin clone of each disk of <paramref name="templateId"/>; returns it and the VM.</summary>
    /// <exception cref="SanpoolException">INVALID_VM, TEMPLATE_NOT_FOUND, DISK_LOCKED, VM_NAME_EXISTS, NO_HOST_UP, STORAGE_DOMAIN_STATE_CONFLICT.</exception>
    public async Task<(Job Job, VmStatic Vm)> CreateVmAsync(DefineVmSpec spec, Guid templateId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Length > 255 || !spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new SanpoolException(EngineErrors.InvalidVm, "name: 1 to 255 of letters, digits, '-', '_' and '.'");
        }

        if (spec.Disks.Count > 0)
        {
            throw new SanpoolException(EngineErrors.InvalidVm, "a VM made from a template has the template's disks: give no disks");
        }

        var template = await runner.Db.Templates.GetAsync(templateId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.TemplateNotFound, $"template {templateId} does not exist");
        var now = runner.Db.Clock.GetUtcNow();
        var vm = new VmStatic(Guid.NewGuid(), spec.Name, VmEntityType.VM, template.VmGuid, spec.MemoryMb, spec.Description, now, null);
        var disks = new List<TemplateDisk>();
        StoragePool? pool = null;
        foreach (var element in (await runner.Db.Vms.ListDisksAsync(templateId, cancellationToken).ConfigureAwait(false)).OrderBy(d => d.DiskId))
        {
            Guid domainId = await runner.Hosts.DomainOfDiskAsync(element.DiskId, cancellationToken).ConfigureAwait(false);
            (pool, _) = await runner.Hosts.RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
            var templateVolume = (await runner.Db.Images.ListByDiskAsync(element.DiskId, cancellationToken).ConfigureAwait(false))[^1];
            var alias = (await runner.Db.Disks.GetAsync(element.DiskId, cancellationToken).ConfigureAwait(false))?.DiskAlias ?? "disk";
            var disk = new BaseDisk(Guid.NewGuid(), $"{spec.Name}_{alias}", null, false, false, DiskContentType.DATA);
            var volume = new Image(
                Guid.NewGuid(), now, templateVolume.Size, templateVolume.ImageGuid, templateVolume.ImageGuid, ImageStatus.LOCKED, now, null,
                VolumeType.Sparse, VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
            disks.Add(new TemplateDisk(element.DiskId, domainId, disk, volume, element.IsBoot));
        }

        if (disks.Count == 0 || pool is null)
        {
            throw new SanpoolException(EngineErrors.InvalidTemplate, $"template {template.VmName} has no disks");
        }

        var job = JobRunner.NewJob(AddVmFromTemplateAction, $"Creating VM {spec.Name} from Template {template.VmName}", correlationId, ownerId, now);
        var steps = disks
            .Select((d, i) => JobRunner.NewStep(job, StepType.CREATE_VOLUME, $"Creating volume {d.Volume.ImageGuid} of disk {d.Disk.DiskId} over template volume {d.Volume.ParentId}", i + 1, now))
            .ToList();
        await runner.Db.Templates.BeginVmAsync(job, steps, vm, Guid.NewGuid(), templateId, disks, cancellationToken).ConfigureAwait(false);
        var parts = disks.Select((d, i) => new ClonePart(d.Disk.DiskId, d.SourceDisk, d.DomainId, d.Volume.ImageGuid, d.Volume.Size, steps[i])).ToList();
        runner.Launch(job.JobId, stop => FinishAsync(job, vm, template.VmName, pool, parts, submit: true, stop));
        return (job, vm);
    }

    /// <summary>Takes every such job still STARTED to its end from what the storage says; returns how many it took up.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var db = runner.Db;
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([AddVmFromTemplateAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = (await db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).OrderBy(s => s.StepNumber).ToList();
            var vm = subjects.FirstOrDefault(s => s.EntityType == "VM") is { } v ? await db.Vms.GetAsync(v.EntityId, cancellationToken).ConfigureAwait(false) : null;
            var disks = subjects.Where(s => s.EntityType == "Disk").Select(s => s.EntityId).Order().ToList();
            if (vm is null || disks.Count != steps.Count || disks.Count == 0)
            {
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var template = await db.Templates.GetAsync(vm.VmtGuid, cancellationToken).ConfigureAwait(false);
            var parts = new List<ClonePart>();
            for (int i = 0; i < disks.Count; i++)
            {
                var row = (await db.Images.ListByDiskAsync(disks[i], cancellationToken).ConfigureAwait(false))[0];
                parts.Add(new ClonePart(disks[i], Guid.Empty, await runner.Hosts.DomainOfDiskAsync(disks[i], cancellationToken).ConfigureAwait(false), row.ImageGuid, row.Size, steps[i]));
            }

            var pool = await runner.Hosts.PoolOfAsync(parts[0].DomainId, cancellationToken).ConfigureAwait(false);
            CopyJobsLog.RecoveringTemplate(logger, job.JobId, job.Description, template?.VmName ?? vm.VmtGuid.ToString());
            taken++;
            runner.Launch(job.JobId, stop => FinishAsync(job, vm, template?.VmName ?? vm.VmtGuid.ToString(), pool, parts, submit: false, stop));
        }

        return taken;
    }

    private async Task FinishAsync(Job job, VmStatic vm, string templateName, StoragePool pool, IReadOnlyList<ClonePart> parts, bool submit, CancellationToken stop)
    {
        var db = runner.Db;
        string? error = null;
        foreach (var part in parts)
        {
            var task = submit
                ? await runner.RunTaskAsync(
                    pool, part.DomainId, part.Step.StepId, AgentVerbs.ImageCreate,
                    new ImageCreateRequest(
                        part.DomainId, part.Size, part.DiskId, part.Volume, StorageFormat.COW, StorageAllocation.SPARSE, Template: part.TemplateDisk, Wait: true, Forward: true),
                    part.DiskId, stop).ConfigureAwait(false)
                : await runner.WaitForTaskAsync(pool, null, part.Step.StepId, part.Step.ExternalId, AgentVerbs.ImageCreate.Name, part.DiskId, stop, JobRunner.TasksSince(job))
                    .ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                error = $"disk {part.DiskId}: {task.Error ?? task.State.ToString()}";
                if (submit)
                {
                    break;
                }
            }
        }

        // What the storage has decides: a clone is made when its volume is in its image's chain, LEGAL.
        var chains = new List<(ClonePart Part, StorageChain Chain)>();
        foreach (var part in parts)
        {
            chains.Add((part, await runner.StorageChainAsync(pool, part.DomainId, part.DiskId, stop).ConfigureAwait(false)));
        }

        string suffix = submit ? "" : Recovered;
        if (chains.All(c => c.Chain.Volumes.Contains(c.Part.Volume) && c.Chain.Illegal.Count == 0))
        {
            foreach (var (part, chain) in chains)
            {
                await db.DiskJobs.SettleAsync(part.DiskId, chain.Volumes, ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
            }

            await runner.EndAsync(
                job, pool, null, true, EngineEventType.USER_ADD_VM,
                $"VM {vm.VmName} was created from template {templateName} with {parts.Count} disk(s)" + suffix, vm).ConfigureAwait(false);
            return;
        }

        // All or none: the clones made go again (nothing wrote to them: the VM never ran).
        var left = new List<Guid>();
        foreach (var (part, chain) in chains.Where(c => c.Chain.Volumes.Contains(c.Part.Volume)))
        {
            var undo = await runner.RunTaskAsync(
                pool, part.DomainId, part.Step.StepId, AgentVerbs.VolumeDelete,
                new VolumeDeleteRequest(part.DomainId, part.DiskId, part.Volume, Wait: true, Forward: true), part.DiskId, stop).ConfigureAwait(false);
            if (undo.State != TaskState.Finished)
            {
                left.Add(part.Volume);
                await db.DiskJobs.SettleAsync(part.DiskId, chain.Volumes, ImageStatus.ILLEGAL, CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (left.Count == 0)
        {
            await db.Templates.RemoveVmAsync(vm.VmGuid, CancellationToken.None).ConfigureAwait(false);
        }

        await runner.EndAsync(
            job, pool, null, false, EngineEventType.USER_ADD_VM_FINISHED_FAILURE,
            $"Failed to create VM {vm.VmName} from template {templateName} ({error ?? "a disk is not on storage"}); " +
            (left.Count == 0 ? "nothing of it is left" : $"volume(s) {string.Join(", ", left)} could not be deleted again: its disks stay ILLEGAL") + suffix,
            left.Count == 0 ? null : vm).ConfigureAwait(false);
    }

    private sealed record ClonePart(Guid DiskId, Guid TemplateDisk, Guid DomainId, Guid Volume, long Size, Step Step);
}
