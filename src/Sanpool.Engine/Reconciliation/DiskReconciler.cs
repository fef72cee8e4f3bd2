using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Reconciliation;

/// <summary>
/// Seed 003's comparison for one disk, and its safe fixes. <see cref="ReadAsync"/> compares the
/// rows with the storage (<c>domain.volumes</c> from any Up host of the data center).
/// <see cref="ReconcileAsync"/> applies every fix that cannot lose data, as one job with its event:
/// the rows become the storage's chain (what exists, how it links, its sizes and legality). It
/// leaves the storage alone: a volume outside every chain, a chain the storage itself calls
/// broken, or a qcow2 header that disagrees with the metadata wait for an admin, and while one of
/// the last two stands no row is rewritten (the storage's own truth is in doubt).
/// </summary>
public sealed class DiskReconciler(EngineDatabase db, IAgentCaller agents, PoolAgents hosts)
{
    public const string ReconcileAction = "ReconcileDisk";

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    public async Task<DiskChainReport> ReadAsync(Guid diskId, CancellationToken cancellationToken) =>
        (await ReadCoreAsync(diskId, cancellationToken).ConfigureAwait(false)).Report;

    /// <summary>Applies the safe fixes; returns the job that did (null if there was nothing safe to do) and the comparison after it.</summary>
    /// <exception cref="SanpoolException">DISK_NOT_FOUND; DISK_LOCKED while another job works on the disk; NO_HOST_UP.</exception>
    public async Task<(Job? Job, IReadOnlyList<ChainDifference> Applied, DiskChainReport After)> ReconcileAsync(
        Guid diskId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (report, storage, domain, pool) = await ReadCoreAsync(diskId, cancellationToken).ConfigureAwait(false);
        var (job, applied) = await ApplySafeAsync(report, storage, domain, pool, correlationId, ownerId, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return (null, [], report);
        }

        var rows = await db.Images.ListByDiskAsync(diskId, CancellationToken.None).ConfigureAwait(false);
        return (job, applied, DiskChainComparison.Compare(diskId, rows, false, storage));
    }

    /// <summary>
    /// Every disk of a domain compared with one <c>domain.volumes</c> read (what VDSM's
    /// <c>dump-volume-chains</c> is): the disks that disagree, with their differences, and the
    /// images on storage that no disk row names.
    /// </summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_NOT_FOUND; NO_HOST_UP.</exception>
    public async Task<DomainChainsReport> ReadDomainAsync(Guid domainId, CancellationToken cancellationToken) =>
        (await ReadDomainCoreAsync(domainId, cancellationToken).ConfigureAwait(false)).Report;

    /// <summary>
    /// Reconciles every disk of a domain from one read: each disk with fixes that cannot lose data
    /// gets them as its own job (a disk another job holds is left for the next round); the rest
    /// is returned as waiting for an admin.
    /// </summary>
    /// <exception cref="SanpoolException">STORAGE_DOMAIN_NOT_FOUND; NO_HOST_UP.</exception>
    public async Task<DomainReconcileResult> ReconcileDomainAsync(Guid domainId, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        var (report, storage, pool, reports) = await ReadDomainCoreAsync(domainId, cancellationToken).ConfigureAwait(false);
        var fixes = new List<DiskFix>();
        var waiting = new List<ChainDifference>();
        foreach (var disk in reports.Where(r => !r.Agrees))
        {
            try
            {
                var (job, applied) = await ApplySafeAsync(disk, storage, domainId, pool, correlationId, ownerId, cancellationToken).ConfigureAwait(false);
                if (job is not null)
                {
                    fixes.Add(new DiskFix(disk.Disk, job.JobId, applied));
                }

                waiting.AddRange(disk.Differences.Where(d => job is null || !d.Safe));
            }
            catch (SanpoolException e) when (e.Code == EngineErrors.DiskLocked)
            {
                // A job started on the disk since the read: it settles the rows itself.
            }
        }

        return new DomainReconcileResult(report, fixes, waiting);
    }

    /// <summary>The safe fixes of one disk's report as one job, unless none applies or the storage's own truth is in doubt.</summary>
    private async Task<(Job? Job, IReadOnlyList<ChainDifference> Applied)> ApplySafeAsync(
        DiskChainReport report, DomainVolumesReply storage, Guid domain, StoragePool pool, string correlationId, Guid? ownerId, CancellationToken cancellationToken)
    {
        Guid diskId = report.Disk;
        var applied = report.Differences.Where(d => d.Safe).ToList();
        bool doubtful = report.Differences.Any(d => d.Kind == ChainDifferenceKind.BrokenOnStorage || (d.Kind == ChainDifferenceKind.ParentDiffers && !d.Safe));
        if (applied.Count == 0 || doubtful)
        {
            return (null, []);
        }

        var now = db.Clock.GetUtcNow();
        var chainIds = storage.Chains.FirstOrDefault(c => c.Image == diskId)?.Volumes ?? [];
        var existing = (await db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.ImageGuid);
        var chain = chainIds
            .Select((id, i) => PoolImport.ToImage(diskId, storage.Volumes.Single(v => v.Id == id), i, chainIds.Count, now))
            .Select(image => existing.TryGetValue(image.ImageGuid, out var row) ? image with { CreationDate = row.CreationDate, VmSnapshotId = row.VmSnapshotId } : image)
            .ToList();
        var job = JobRunner.NewJob(ReconcileAction, $"Reconciling Disk {diskId} with storage domain {domain}", correlationId, ownerId, now);
        var step = JobRunner.NewStep(job, StepType.FINALIZING, $"Applying {applied.Count} fix(es) to the database", 1, now);
        await db.DiskJobs.ReplaceChainAsync(job, step, diskId, chain, domain, cancellationToken).ConfigureAwait(false);
        await EngineEvents.JobAsync(
            db, EngineEventType.DISK_RECONCILED, AuditLogSeverity.WARNING,
            $"Disk {diskId} reconciled with storage domain {domain}: " + string.Join("; ", applied.Select(d => $"{d.Kind}: {d.Fix}")),
            job, pool, domain, null, CancellationToken.None).ConfigureAwait(false);
        return (await db.Jobs.GetJobAsync(job.JobId, CancellationToken.None).ConfigureAwait(false), applied);
    }

    private async Task<(DomainChainsReport Report, DomainVolumesReply Storage, StoragePool Pool, IReadOnlyList<DiskChainReport> Disks)> ReadDomainCoreAsync(
        Guid domainId, CancellationToken cancellationToken)
    {
        var pool = await hosts.PoolOfAsync(domainId, cancellationToken).ConfigureAwait(false);
        var storage = await hosts.CallAnyAsync(
            pool, null, (link, ct) => agents.CallAsync(link, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domainId), ReadTimeout, ct), null, cancellationToken).ConfigureAwait(false);
        var rows = (await db.Images.ListByDomainAsync(domainId, cancellationToken).ConfigureAwait(false)).ToLookup(r => r.ImageGroupId);
        var busy = await db.Jobs.ListBusyEntitiesAsync(cancellationToken).ConfigureAwait(false);
        var reports = rows.Select(disk => DiskChainComparison.Compare(disk.Key, [.. disk], busy.Contains(disk.Key), storage)).ToList();
        var unknown = storage.Chains.Select(c => c.Image)
            .Concat(storage.Volumes.Select(v => v.Image))
            .Where(image => !rows.Contains(image))
            .Distinct()
            .Order()
            .ToList();
        var report = new DomainChainsReport(
            domainId, reports.Count, rows.Sum(g => g.Count()), storage.Volumes.Count, [.. reports.Where(r => !r.Agrees)], unknown);
        return (report, storage, pool, reports);
    }

    private async Task<(DiskChainReport Report, DomainVolumesReply Storage, Guid Domain, StoragePool Pool)> ReadCoreAsync(Guid diskId, CancellationToken cancellationToken)
    {
        _ = await db.Disks.GetAsync(diskId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} does not exist");
        var rows = await db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var domain = await hosts.DomainOfDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var pool = await hosts.PoolOfAsync(domain, cancellationToken).ConfigureAwait(false);
        var storage = await hosts.CallAnyAsync(
            pool, null, (link, ct) => agents.CallAsync(link, AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), ReadTimeout, ct), null, cancellationToken).ConfigureAwait(false);
        var job = await db.Jobs.RunningJobOfAsync(diskId, cancellationToken).ConfigureAwait(false);
        return (DiskChainComparison.Compare(diskId, rows, job is not null, storage), storage, domain, pool);
    }
}
