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
/// VMs and their snapshots, with seed 003's semantics:
/// <list type="bullet">
/// <item><see cref="DefineAsync"/>: a VM with its disks, in one transaction (no storage is touched).</item>
/// <item><see cref="CreateSnapshotAsync"/>: one job takes every disk. The rows are written first
/// (<see cref="VmJobStore.BeginSnapshotAsync"/>: the ACTIVE snapshot's id moves to the new
/// snapshot, each disk gets a LOCKED leaf over its old one); then, disk after disk, the SPM's
/// <c>snapshot.create</c> makes that leaf with the id the rows gave it. If every leaf is on
/// storage the snapshot is kept; if one is not, the leaves already made are deleted again and
/// the rows are put back, so a VM's snapshot is all its disks or none.</item>
/// <item><see cref="RemoveSnapshotAsync"/>: per disk, the SPM merges the volume after the
/// snapshot's (top) into the snapshot's own (base), cold; the base takes the top's place in the
/// rows and the snapshot's row goes.</item>
/// </list>
/// Every outcome is read from the storage's chains after the tasks end, never assumed, and an
/// engine killed in the middle finishes the job from there at its next start
/// (<see cref="RecoverAsync"/>). A running VM's volumes are never changed (VM_IS_RUNNING, naming
/// its host), and a second action on the VM or a disk is refused naming the job that holds it.
/// </summary>
public sealed class VmJobs(JobRunner runner, ILogger<VmJobs> logger)
{
    public const string CreateSnapshotAction = "CreateSnapshotForVm";
    public const string RemoveSnapshotAction = "RemoveSnapshot";

    private const int MaxName = 255;
    private const string Recovered = " (finished after an engine restart)";

    /// <summary>Defines a VM with <paramref name="spec"/>'s disks attached; returns it.</summary>
    /// <exception cref="SanpoolException">INVALID_VM, VM_NAME_EXISTS, DISK_NOT_FOUND, DISK_IN_USE, DISK_LOCKED.</exception>
    public async Task<VmStatic> DefineAsync(DefineVmSpec spec, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Check(spec);
        var now = runner.Db.Clock.GetUtcNow();
        var vm = new VmStatic(Guid.NewGuid(), spec.Name, VmEntityType.VM, Guid.Empty, spec.MemoryMb, spec.Description, now, null);
        var disks = spec.Disks.Select((d, i) => new DiskVmElement(d, vm.VmGuid, spec.BootDisk is { } boot ? boot == d : i == 0, DiskInterface.VirtIO)).ToList();
        await runner.Db.VmJobs.DefineAsync(vm, Guid.NewGuid(), disks, cancellationToken).ConfigureAwait(false);
        if (disks.Count > 0)
        {
            var pool = await runner.Hosts.PoolOfAsync(await runner.Hosts.DomainOfDiskAsync(disks[0].DiskId, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            await runner.Db.AuditLog.AppendAsync(
                new AuditLog(
                    0, now, (int)EngineEventType.USER_ADD_VM, nameof(EngineEventType.USER_ADD_VM), AuditLogSeverity.NORMAL,
                    $"VM {vm.VmName} was created with {disks.Count} disk(s)", UserId: ownerId, VmId: vm.VmGuid, VmName: vm.VmName,
                    StoragePoolId: pool.Id, StoragePoolName: pool.Name, CorrelationId: correlationId),
                CancellationToken.None).ConfigureAwait(false);
        }

        VmJobsLog.Defined(logger, vm.VmGuid, vm.VmName, disks.Count);
        return vm;
    }

    /// <summary>Starts a job that snapshots every disk of the VM; returns once its rows are written and locked.</summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, INVALID_VM, VM_IS_RUNNING, VM_LOCKED, DISK_LOCKED, NO_HOST_UP, STORAGE_DOMAIN_STATE_CONFLICT.</exception>
    public async Task<(Job Job, Guid SnapshotId)> CreateSnapshotAsync(Guid vmId, string description, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var vm = await GetVmAsync(vmId, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(description) || description.Length > 4000 || description.Any(char.IsControl))
        {
            throw new SanpoolException(EngineErrors.InvalidVm, "description: 1 to 4000 printable characters");
        }

        var disks = await DisksOfAsync(vm, cancellationToken).ConfigureAwait(false);
        var pool = await RoutedPoolAsync(vm, disks, cancellationToken).ConfigureAwait(false);
        var now = runner.Db.Clock.GetUtcNow();
        var newLeaves = disks.ToDictionary(d => d.DiskId, _ => Guid.NewGuid());
        var job = JobRunner.NewJob(CreateSnapshotAction, $"Creating VM Snapshot {description} for VM {vm.VmName}", correlationId, ownerId, now);
        var steps = disks
            .Select((d, i) => JobRunner.NewStep(job, StepType.CREATING_SNAPSHOTS, $"Creating volume {newLeaves[d.DiskId]} of disk {d.DiskId} on storage domain {d.DomainId}", i + 1, now))
            .ToList();
        var started = await runner.Db.VmJobs.BeginSnapshotAsync(job, steps, vm.VmGuid, description, newLeaves, cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_CREATE_SNAPSHOT, AuditLogSeverity.NORMAL, $"Snapshot '{description}' creation for VM '{vm.VmName}' was initiated", job, pool, null, vm).ConfigureAwait(false);
        var parts = Parts(disks, started.Leaves, steps);
        runner.Launch(job.JobId, stop => FinishSnapshotAsync(job, vm, pool, started.SnapshotId, description, parts, submit: true, stop));
        return (job, started.SnapshotId);
    }

    /// <summary>Starts a job that removes a snapshot (a cold merge per disk); returns once its rows are locked.</summary>
    /// <exception cref="SanpoolException">VM_NOT_FOUND, SNAPSHOT_NOT_FOUND, INVALID_VM, VM_IS_RUNNING, VM_LOCKED, DISK_LOCKED, DISK_ILLEGAL, NO_HOST_UP.</exception>
    public async Task<Job> RemoveSnapshotAsync(Guid vmId, Guid snapshotId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var vm = await GetVmAsync(vmId, cancellationToken).ConfigureAwait(false);
        var snapshot = await runner.Db.Snapshots.GetAsync(snapshotId, cancellationToken).ConfigureAwait(false);
        if (snapshot is null || snapshot.VmId != vmId)
        {
            throw new SanpoolException(EngineErrors.SnapshotNotFound, $"VM {vm.VmName} has no snapshot {snapshotId}");
        }

        var disks = await DisksOfAsync(vm, cancellationToken).ConfigureAwait(false);
        var pool = await RoutedPoolAsync(vm, disks, cancellationToken).ConfigureAwait(false);
        var now = runner.Db.Clock.GetUtcNow();
        var job = JobRunner.NewJob(RemoveSnapshotAction, $"Removing Snapshot {snapshot.Description} of VM {vm.VmName}", correlationId, ownerId, now);
        var steps = new List<Step>();
        var merges = await runner.Db.VmJobs.BeginRemoveSnapshotAsync(
            job, vm.VmGuid, snapshotId,
            (m, n) =>
            {
                var step = JobRunner.NewStep(job, StepType.MERGE_SNAPSHOTS, $"Merging volume {m.Top} into {m.Base} of disk {m.DiskId}", n, now);
                steps.Add(step);
                return step;
            },
            cancellationToken).ConfigureAwait(false);
        await runner.EventAsync(
            EngineEventType.USER_REMOVE_SNAPSHOT, AuditLogSeverity.NORMAL, $"Snapshot '{snapshot.Description}' deletion for VM '{vm.VmName}' was initiated", job, pool, null, vm).ConfigureAwait(false);
        runner.Launch(job.JobId, stop => FinishRemoveAsync(job, vm, pool, snapshotId, snapshot.Description, Zip(merges, steps), submit: true, stop));
        return job;
    }

    /// <summary>
    /// Takes every VM job still STARTED (an engine stopped in the middle of it) to its end from
    /// what the storage says. Returns how many it took up; each finishes in the background.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var db = runner.Db;
        int taken = 0;
        foreach (var job in await runner.LeftStartedAsync([CreateSnapshotAction, RemoveSnapshotAction], cancellationToken).ConfigureAwait(false))
        {
            var subjects = await db.Jobs.ListSubjectsAsync(job.JobId, cancellationToken).ConfigureAwait(false);
            var steps = (await db.Jobs.ListStepsAsync(job.JobId, cancellationToken).ConfigureAwait(false)).OrderBy(s => s.StepNumber).ToList();
            var vm = subjects.FirstOrDefault(s => s.EntityType == "VM") is { } subject
                ? await db.Vms.GetAsync(subject.EntityId, cancellationToken).ConfigureAwait(false)
                : null;
            var snapshot = vm is null ? null : (await db.Snapshots.ListByVmAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(s => s is { SnapshotType: SnapshotType.REGULAR, Status: SnapshotStatus.LOCKED });
            if (vm is null || snapshot is null)
            {
                // Nothing of it is left locked in the rows: only the job's end was not written.
                await db.Jobs.EndJobAsync(job.JobId, JobExecutionStatus.FAILED, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var disks = await DisksOfAsync(vm, cancellationToken).ConfigureAwait(false);
            var pool = await runner.Hosts.PoolOfAsync(disks[0].DomainId, cancellationToken).ConfigureAwait(false);
            VmJobsLog.Recovering(logger, job.JobId, job.Description, vm.VmName);
            taken++;
            if (job.ActionType == CreateSnapshotAction)
            {
                var active = await db.Snapshots.GetActiveAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false);
                var leaves = new List<VmSnapshotLeaf>();
                foreach (var disk in disks)
                {
                    var chain = await db.Images.ListByDiskAsync(disk.DiskId, cancellationToken).ConfigureAwait(false);
                    var newLeaf = chain.Single(i => i.VmSnapshotId == active!.SnapshotId && i.Active);
                    leaves.Add(new VmSnapshotLeaf(disk.DiskId, newLeaf.ParentId, newLeaf.ImageGuid));
                }

                var parts = Parts(disks, leaves, steps);
                runner.Launch(job.JobId, stop => FinishSnapshotAsync(job, vm, pool, snapshot.SnapshotId, snapshot.Description, parts, submit: false, stop));
            }
            else
            {
                var merges = new List<SnapshotMerge>();
                foreach (var disk in disks)
                {
                    var chain = await db.Images.ListByDiskAsync(disk.DiskId, cancellationToken).ConfigureAwait(false);
                    if (chain.FirstOrDefault(i => i.VmSnapshotId == snapshot.SnapshotId) is { } baseVolume
                        && chain.FirstOrDefault(i => i.ParentId == baseVolume.ImageGuid) is { } top)
                    {
                        merges.Add(new SnapshotMerge(disk.DiskId, disk.DomainId, baseVolume.ImageGuid, top.ImageGuid));
                    }
                }

                runner.Launch(job.JobId, stop => FinishRemoveAsync(job, vm, pool, snapshot.SnapshotId, snapshot.Description, Zip(merges, steps), submit: false, stop));
            }
        }

        return taken;
    }

    private async Task FinishSnapshotAsync(
        Job job, VmStatic vm, StoragePool pool, Guid snapshotId, string description, IReadOnlyList<SnapshotPart> parts, bool submit, CancellationToken stop)
    {
        var db = runner.Db;
        string? error = null;
        foreach (var part in parts)
        {
            var task = submit
                ? await runner.RunTaskAsync(
                    pool, part.DomainId, part.Step.StepId, AgentVerbs.SnapshotCreate,
                    new SnapshotCreateRequest(part.DomainId, part.DiskId, part.Leaf.NewLeaf, Wait: true, Forward: true), part.DiskId, stop).ConfigureAwait(false)
                : await runner.WaitForTaskAsync(
                    pool, null, part.Step.StepId, part.Step.ExternalId, AgentVerbs.SnapshotCreate.Name, part.DiskId, stop, JobRunner.TasksSince(job),
                    t => JobRunner.HasArg(t, "volume", part.Leaf.NewLeaf)).ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                error = $"disk {part.DiskId}: {task.Error ?? task.State.ToString()}";
                if (submit)
                {
                    break;
                }
            }
        }

        // What the storage has decides: a leaf is made when it is the chain's leaf over the old one.
        var made = new List<SnapshotPart>();
        foreach (var part in parts)
        {
            var chain = await runner.StorageChainAsync(pool, part.DomainId, part.DiskId, stop).ConfigureAwait(false);
            if (chain.Volumes.Count >= 2 && chain.Volumes[^1] == part.Leaf.NewLeaf && chain.Volumes[^2] == part.Leaf.OldLeaf)
            {
                made.Add(part);
            }
        }

        string suffix = submit ? "" : Recovered;
        if (made.Count == parts.Count)
        {
            await db.Snapshots.EndVmSnapshotAsync(vm.VmGuid, snapshotId, succeeded: true, CancellationToken.None).ConfigureAwait(false);
            await SettleAsync(pool, parts.Select(p => (p.DiskId, p.DomainId)), stop).ConfigureAwait(false);
            await runner.EndAsync(
                job, pool, null, true, EngineEventType.USER_CREATE_SNAPSHOT_FINISHED_SUCCESS,
                $"Snapshot '{description}' creation for VM '{vm.VmName}' has been completed" + suffix, vm).ConfigureAwait(false);
            return;
        }

        // All or none: the leaves already made go again (each is an empty COW layer nothing wrote).
        var left = new List<Guid>();
        foreach (var part in made)
        {
            var undo = await runner.RunTaskAsync(
                pool, part.DomainId, part.Step.StepId, AgentVerbs.VolumeDelete,
                new VolumeDeleteRequest(part.DomainId, part.DiskId, part.Leaf.NewLeaf, Wait: true, Forward: true), part.DiskId, stop).ConfigureAwait(false);
            if (undo.State != TaskState.Finished)
            {
                left.Add(part.Leaf.NewLeaf);
            }
        }

        await db.Snapshots.EndVmSnapshotAsync(vm.VmGuid, snapshotId, succeeded: false, CancellationToken.None).ConfigureAwait(false);
        await SettleAsync(pool, parts.Select(p => (p.DiskId, p.DomainId)), stop).ConfigureAwait(false);
        string why = error ?? "a new leaf is not on storage";
        await runner.EndAsync(
            job, pool, null, false, EngineEventType.USER_CREATE_SNAPSHOT_FINISHED_FAILURE,
            $"Failed to complete snapshot '{description}' creation for VM '{vm.VmName}' ({why}); " +
            (left.Count == 0 ? "the disks are as they were" : $"volume(s) {string.Join(", ", left)} could not be deleted again: reconcile the disks") + suffix,
            vm).ConfigureAwait(false);
    }

    private async Task FinishRemoveAsync(
        Job job, VmStatic vm, StoragePool pool, Guid snapshotId, string description, List<(SnapshotMerge Merge, Step Step)> merges, bool submit, CancellationToken stop)
    {
        var db = runner.Db;
        string? error = null;
        foreach (var (merge, step) in merges)
        {
            var task = submit
                ? await runner.RunTaskAsync(
                    pool, merge.DomainId, step.StepId, AgentVerbs.ImageMerge,
                    new ImageMergeRequest(merge.DomainId, merge.DiskId, merge.Base, merge.Top, Wait: true, Forward: true), merge.DiskId, stop).ConfigureAwait(false)
                : await runner.WaitForTaskAsync(
                    pool, null, step.StepId, step.ExternalId, AgentVerbs.ImageMerge.Name, merge.DiskId, stop, JobRunner.TasksSince(job),
                    t => JobRunner.HasArg(t, "top", merge.Top)).ConfigureAwait(false);
            if (task is { State: TaskState.Failed or TaskState.Recovered })
            {
                error = $"disk {merge.DiskId}: {task.Error ?? task.State.ToString()}";
                if (submit)
                {
                    break;
                }
            }
        }

        // Merged when the top has left the storage's chain and the base is still in it.
        var merged = new List<SnapshotMerge>();
        foreach (var (merge, _) in merges)
        {
            var chain = await runner.StorageChainAsync(pool, merge.DomainId, merge.DiskId, stop).ConfigureAwait(false);
            if (!chain.Volumes.Contains(merge.Top) && chain.Volumes.Contains(merge.Base))
            {
                merged.Add(merge);
            }
        }

        bool all = merged.Count == merges.Count;
        await db.VmJobs.EndRemoveSnapshotAsync(vm.VmGuid, snapshotId, merged, all, CancellationToken.None).ConfigureAwait(false);
        await SettleAsync(pool, merges.Select(m => (m.Merge.DiskId, m.Merge.DomainId)), stop).ConfigureAwait(false);
        string suffix = submit ? "" : Recovered;
        await runner.EndAsync(
            job, pool, null, all,
            all ? EngineEventType.USER_REMOVE_SNAPSHOT_FINISHED_SUCCESS : EngineEventType.USER_REMOVE_SNAPSHOT_FINISHED_FAILURE,
            (all
                ? $"Snapshot '{description}' deletion for VM '{vm.VmName}' has been completed"
                : $"Failed to delete snapshot '{description}' for VM '{vm.VmName}' ({error ?? "a merge is not on storage"}; {merged.Count} of {merges.Count} disk(s) merged)") + suffix,
            vm).ConfigureAwait(false);
    }

    /// <summary>Each disk's rows made to say what its chain on storage says, OK or ILLEGAL where the storage says so.</summary>
    private async Task SettleAsync(StoragePool pool, IEnumerable<(Guid DiskId, Guid DomainId)> disks, CancellationToken stop)
    {
        foreach (var (diskId, domainId) in disks)
        {
            var chain = await runner.StorageChainAsync(pool, domainId, diskId, stop).ConfigureAwait(false);
            await runner.Db.DiskJobs.SettleAsync(diskId, chain.Volumes, chain.Illegal.Count > 0 ? ImageStatus.ILLEGAL : ImageStatus.OK, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<VmStatic> GetVmAsync(Guid vmId, CancellationToken cancellationToken) =>
        await runner.Db.Vms.GetAsync(vmId, cancellationToken).ConfigureAwait(false)
        ?? throw new SanpoolException(EngineErrors.VmNotFound, $"VM {vmId} does not exist");

    /// <summary>The VM's disks with their domains, by disk id (the order of a job's steps).</summary>
    private async Task<IReadOnlyList<(Guid DiskId, Guid DomainId)>> DisksOfAsync(VmStatic vm, CancellationToken cancellationToken)
    {
        var disks = new List<(Guid, Guid)>();
        foreach (var element in (await runner.Db.Vms.ListDisksAsync(vm.VmGuid, cancellationToken).ConfigureAwait(false)).OrderBy(d => d.DiskId))
        {
            disks.Add((element.DiskId, await runner.Hosts.DomainOfDiskAsync(element.DiskId, cancellationToken).ConfigureAwait(false)));
        }

        return disks.Count > 0 ? disks : throw new SanpoolException(EngineErrors.InvalidVm, $"VM {vm.VmName} has no disks");
    }

    /// <summary>The data center of the VM's disks, each domain checked Active with an Up host to reach its SPM.</summary>
    private async Task<StoragePool> RoutedPoolAsync(VmStatic vm, IReadOnlyList<(Guid DiskId, Guid DomainId)> disks, CancellationToken cancellationToken)
    {
        StoragePool? pool = null;
        foreach (Guid domainId in disks.Select(d => d.DomainId).Distinct())
        {
            var (routed, _) = await runner.Hosts.RouteAsync(domainId, cancellationToken).ConfigureAwait(false);
            if (pool is not null && routed.Id != pool.Id)
            {
                throw new SanpoolException(EngineErrors.InvalidVm, $"VM {vm.VmName} has disks in two data centers ({pool.Name}, {routed.Name})");
            }

            pool = routed;
        }

        return pool!;
    }

    private static List<SnapshotPart> Parts(IReadOnlyList<(Guid DiskId, Guid DomainId)> disks, IReadOnlyList<VmSnapshotLeaf> leaves, List<Step> steps) =>
        [.. disks.Select((d, i) => new SnapshotPart(d.DiskId, d.DomainId, leaves.Single(l => l.DiskId == d.DiskId), steps[i]))];

    private static List<(SnapshotMerge, Step)> Zip(IReadOnlyList<SnapshotMerge> merges, List<Step> steps) =>
        [.. merges.Select((m, i) => (m, steps[i]))];

    private static void Check(DefineVmSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Length > MaxName || !spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new SanpoolException(EngineErrors.InvalidVm, $"name: 1 to {MaxName} of letters, digits, '-', '_' and '.'");
        }

        if (spec.MemoryMb is < 64 or > 4 * 1024 * 1024)
        {
            throw new SanpoolException(EngineErrors.InvalidVm, $"memory {spec.MemoryMb} MiB: 64 to 4194304");
        }

        if (spec.Description is { } d && (d.Length > 4000 || d.Any(c => char.IsControl(c) && c != '\n')))
        {
            throw new SanpoolException(EngineErrors.InvalidVm, "description: at most 4000 characters, no control characters but newlines");
        }

        if (spec.Disks.Distinct().Count() != spec.Disks.Count)
        {
            throw new SanpoolException(EngineErrors.InvalidVm, "a disk is attached once");
        }

        if (spec.BootDisk is { } boot && !spec.Disks.Contains(boot))
        {
            throw new SanpoolException(EngineErrors.InvalidVm, $"boot disk {boot} is not one of the VM's disks");
        }
    }

    private sealed record SnapshotPart(Guid DiskId, Guid DomainId, VmSnapshotLeaf Leaf, Step Step);
}

/// <summary>A VM to define: its name, memory, description, and the disks attached (the boot disk, or the first).</summary>
public sealed record DefineVmSpec(string Name, int MemoryMb, string? Description, IReadOnlyList<Guid> Disks, Guid? BootDisk = null);
