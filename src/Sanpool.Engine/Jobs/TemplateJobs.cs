using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>
/// A template made from a VM that is down, as one job: the VM's disks are locked and the template
/// is written with one LOCKED disk per VM disk (<see cref="TemplateStore.BeginAsync"/>); then, disk
/// after disk, the SPM's <c>template.create</c> collapses the VM disk's chain into the template
/// disk's one SHARED volume, on the same domain. When every template volume is on storage the
/// template is OK; when one is not, the ones made are deleted again and the template's rows go,
/// so a template has all its VM's disks or does not exist. The VM's disks are OK again either way
/// (only read). An engine killed in the middle finishes the job from the storage at its next
/// start (<see cref="RecoverAsync"/>).
/// </summary>
public sealed class TemplateJobs(JobRunner runner, ILogger<TemplateJobs> logger)
{
    public const string AddTemplateAction = "AddVmTemplate";

    private const int MaxName = 255;
    private const string Recovered = " (finished after an engine restart)";

    /// <summary>Starts a job that makes template <paramref name="name"/> from VM <paramref name="vmId"/>; returns it and the template.</summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, INVALID_TEMPLATE, VM_IS_RUNNING, VM_LOCKED, VM_NAME_EXISTS, DISK_LOCKED, DISK_ILLEGAL, NO_HOST_UP.</exception>
    public async Task<(Job Job, VmStatic Template)> CreateTemplateAsync(Guid vmId, string name, string? description, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxName || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new SanpoolException(EngineErrors.InvalidTemplate, $"name: 1 to {MaxName} of letters, digits, '-', '_' and '.'");
        }

        var vm = await runner.Db.Vms.GetAsync(vmId, cancellationToken).ConfigureAwait(false);
        if (vm is not { EntityType: VmEntityType.VM })
        {
            throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");
        }

        var elements = (await runner.Db.Vms.ListDisksAsync(vmId, cancellationToken).ConfigureAwait(false)).OrderBy(d => d.DiskId).ToList();
        if (elements.Count == 0)
        {
            throw new SanpoolException(EngineErrors.InvalidTemplate, $"VM {vm.VmName} has no disks to make a template of");
        }

        var now = runner.Db.Clock.GetUtcNow();
        var template = new VmStatic(Guid.NewGuid(), name, VmEntityType.TEMPLATE, Guid.Empty, vm.MemSizeMb, description, now, null);
        var disks = new List<TemplateDisk>();
        StoragePool? pool = null;
        foreach (var element in elements)
        {
            Guid domainId = await runner.Hosts.DomainOfDiskAsync(element.DiskId, cancellationToken).ConfigureAwait(false);
            (pool, _) = await runner.Hosts.RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
            var source = await runner.Db.Disks.GetAsync(element.DiskId, cancellationToken).ConfigureAwait(false);
            var chain = await runner.Db.Images.ListByDiskAsync(element.DiskId, cancellationToken).ConfigureAwait(false);
            bool raw = chain.All(i => i.VolumeFormat == VolumeFormat.RAW);
            var disk = new BaseDisk(Guid.NewGuid(), source?.DiskAlias ?? element.DiskId.ToString(), $"disk {element.DiskId} of VM {vm.VmName}", false, false, DiskContentType.DATA);
            var volume = new Image(
                Guid.NewGuid(), now, chain.Count > 0 ? chain[^1].Size : 0, Guid.Empty, Guid.Empty, ImageStatus.LOCKED, now, null,
                raw ? VolumeType.Preallocated : VolumeType.Sparse, raw ? VolumeFormat.RAW : VolumeFormat.COW, disk.DiskId, true, VolumeClassification.Volume, 1);
            disks.Add(new TemplateDisk(element.DiskId, domainId, disk, volume, element.IsBoot));
        }

        var job = JobRunner.NewJob(AddTemplateAction, $"Creating Template {name} from VM {vm.VmName}", correlationId, ownerId, now);
        var steps = disks
            .Select((d, i) => JobRunner.NewStep(job, StepType.COPY_IMAGE, $"Creating template volume {d.Volume.ImageGuid} of disk {d.Disk.DiskId} from disk {d.SourceDisk}", i + 1, now))
            .ToList();
        await runner.Db.Templates.BeginAsync(job, steps, vmId, template, disks, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_ADD_VM_TEMPLATE, AuditLogSeverity.NORMAL, $"Creation of Template {name} from VM {vm.VmName} was initiated", job, pool!, null, vm).ConfigureAwait(false);
        var parts = disks.Select((d, i) => new TemplatePart(d.SourceDisk, d.DomainId, d.Disk.DiskId, d.Volume.ImageGuid, steps[i])).ToList();
        runner.Launch(job.JobId, stop => FinishAsync(job, vm, template, pool!, parts, submit: true, stop));
        return (job, template);
    }

    /// <summary>Takes every template job still STARTED to its end from what the storage says; returns how many it took up.</summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var db = runner.Db;
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([AddTemplateAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = (await db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).OrderBy(s => s.StepNumber).ToList();
            var vm = subjects.FirstOrDefault(s => s.EntityType == "VM") is { } v ? await db.Vms.GetAsync(v.EntityId, cancellationToken).ConfigureAwait(false) : null;
            var template = subjects.FirstOrDefault(s => s.EntityType == TemplateStore.TemplateSubject) is { } t
                ? await db.Templates.GetAsync(t.EntityId, cancellationToken).ConfigureAwait(false)
                : null;
            var sources = subjects.Where(s => s.EntityType == "Disk").Select(s => s.EntityId).Order().ToList();
            var templateDisks = template is null ? [] : await db.Vms.ListDisksAsync(template.VmGuid, cancellationToken).ConfigureAwait(false);
            if (vm is null || template is null || sources.Count != steps.Count || templateDisks.Count != steps.Count)
            {
                // Nothing of it is left locked in the rows: only the job's end was not written.
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // The source disks in the steps' order; each template disk is checked on its own domain.
            var parts = new List<TemplatePart>();
            for (int i = 0; i < steps.Count; i++)
            {
                // A template disk names its source in its description (as written by CreateTemplateAsync).
                var templateDisk = Guid.Empty;
                foreach (var element in templateDisks)
                {
                    if ((await db.Disks.GetAsync(element.DiskId, cancellationToken).ConfigureAwait(false))?.DiskDescription?.Contains(sources[i].ToString(), StringComparison.Ordinal) == true)
                    {
                        templateDisk = element.DiskId;
                    }
                }

                var volume = (await db.Images.ListByDiskAsync(templateDisk, cancellationToken).ConfigureAwait(false)).Select(r => r.ImageGuid).FirstOrDefault();
                parts.Add(new TemplatePart(
                    sources[i], await runner.Hosts.DomainOfDiskAsync(sources[i], cancellationToken).ConfigureAwait(false), templateDisk, volume, steps[i]));
            }

            var pool = await runner.Hosts.PoolOfAsync(parts[0].DomainId, cancellationToken).ConfigureAwait(false);
            CopyJobsLog.RecoveringTemplate(logger, job.JobId, job.Description, template.VmName);
            taken++;
            runner.Launch(job.JobId, stop => FinishAsync(job, vm, template, pool, parts, submit: false, stop));
        }

        return taken;
    }

    private async Task FinishAsync(Job job, VmStatic vm, VmStatic template, StoragePool pool, IReadOnlyList<TemplatePart> parts, bool submit, CancellationToken stop)
    {
        var db = runner.Db;
        string? error = null;
        foreach (var part in parts)
        {
            var task = submit
                ? await runner.RunTaskAsync(
                    pool, part.DomainId, part.Step.StepId, AgentVerbs.TemplateCreate,
                    new TemplateCreateRequest(part.DomainId, part.SourceDisk, part.TemplateDisk, part.Volume, Wait: true, Forward: true), part.SourceDisk, stop).ConfigureAwait(false)
                : await runner.WaitForTaskAsync(
                    pool, null, part.Step.StepId, part.Step.ExternalId, AgentVerbs.TemplateCreate.Name, part.SourceDisk, stop, JobRunner.TasksSince(job),
                    t => JobRunner.HasArg(t, "template", part.TemplateDisk)).ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered } || (task is null && submit))
            {
                error = $"disk {part.SourceDisk}: {task?.Error ?? task?.State.ToString() ?? "no task"}";
                if (submit)
                {
                    break;
                }
            }
        }

        // What the storage has decides: a template disk is made when its one volume is there, LEGAL.
        var made = new List<(TemplatePart Part, StorageChain Chain)>();
        bool all = true;
        foreach (var part in parts)
        {
            var chain = await runner.StorageChainAsync(pool, part.DomainId, part.TemplateDisk, stop).ConfigureAwait(false);
            if (chain.Volumes.Count > 0)
            {
                made.Add((part, chain));
            }

            all &= chain.Volumes.Contains(part.Volume) && chain.Illegal.Count == 0;
        }

        string suffix = submit ? "" : Recovered;
        if (all)
        {
            foreach (var (part, chain) in made)
            {
                await db.DiskJobs.SettleAsync(part.TemplateDisk, chain.Volumes, ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
            }

            await SettleSourcesAsync(pool, parts, stop).ConfigureAwait(false);
            await runner.EndAsync(
                job, pool, null, true, EngineEventType.USER_ADD_VM_TEMPLATE_FINISHED_SUCCESS,
                $"Creation of Template {template.VmName} from VM {vm.VmName} has been completed" + suffix, vm).ConfigureAwait(false);
            return;
        }

        // All or none: the template volumes already made go again (nothing can use them yet).
        var left = new List<Guid>();
        foreach (var (part, chain) in made)
        {
            foreach (var volume in chain.Volumes.Reverse())
            {
                var undo = await runner.RunTaskAsync(
                    pool, part.DomainId, part.Step.StepId, AgentVerbs.VolumeDelete,
                    new VolumeDeleteRequest(part.DomainId, part.TemplateDisk, volume, Wait: true, Forward: true), part.TemplateDisk, stop).ConfigureAwait(false);
                if (undo.State != TaskState.Finished)
                {
                    left.Add(volume);
                }
            }
        }

        if (left.Count == 0)
        {
            await db.Templates.RemoveAsync(template.VmGuid, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            foreach (var (part, _) in made)
            {
                var chain = await runner.StorageChainAsync(pool, part.DomainId, part.TemplateDisk, stop).ConfigureAwait(false);
                await db.DiskJobs.SettleAsync(part.TemplateDisk, chain.Volumes, ImageStatus.ILLEGAL, CancellationToken.None).ConfigureAwait(false);
            }
        }

        await SettleSourcesAsync(pool, parts, stop).ConfigureAwait(false);
        await runner.EndAsync(
            job, pool, null, false, EngineEventType.USER_ADD_VM_TEMPLATE_FINISHED_FAILURE,
            $"Failed to create Template {template.VmName} from VM {vm.VmName} ({error ?? "a template volume is not on storage"}); " +
            (left.Count == 0 ? "nothing of it is left" : $"volume(s) {string.Join(", ", left)} could not be deleted again: the template's disks stay ILLEGAL") + suffix,
            vm).ConfigureAwait(false);
    }

    /// <summary>The VM's disks (only read by the job) made to say what their chains on storage say.</summary>
    private async Task SettleSourcesAsync(StoragePool pool, IReadOnlyList<TemplatePart> parts, CancellationToken stop)
    {
        foreach (var part in parts)
        {
            var chain = await runner.StorageChainAsync(pool, part.DomainId, part.SourceDisk, stop).ConfigureAwait(false);
            await runner.Db.DiskJobs.SettleAsync(part.SourceDisk, chain.Volumes, chain.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    private sealed record TemplatePart(Guid SourceDisk, Guid DomainId, Guid TemplateDisk, Guid Volume, Step Step);
}
