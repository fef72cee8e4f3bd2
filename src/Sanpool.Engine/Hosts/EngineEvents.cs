using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>Appends the events (<c>audit_log</c>) of hosts and data centers, names copied in.</summary>
internal static class EngineEvents
{
    public static Task<long> HostAsync(
        EngineDatabase db, EngineEventType type, AuditLogSeverity severity, string message, VdsStatic host, StoragePool? pool, CancellationToken cancellationToken) =>
        db.AuditLog.AppendAsync(
            new AuditLog(
                0,
                db.Clock.GetUtcNow(),
                (int)type,
                type.ToString(),
                severity,
                message,
                VdsId: host.VdsId,
                VdsName: host.VdsName,
                StoragePoolId: pool?.Id ?? host.StoragePoolId,
                StoragePoolName: pool?.Name),
            cancellationToken);

    /// <summary>
    /// An event of a job in <paramref name="pool"/> (on a domain of it, or a VM, or both), with
    /// the job's id, owner and correlation id.
    /// </summary>
    public static Task<long> JobAsync(
        EngineDatabase db, EngineEventType type, AuditLogSeverity severity, string message, Job job, StoragePool pool, Guid? domainId, VmStatic? vm, CancellationToken cancellationToken) =>
        db.AuditLog.AppendAsync(
            new AuditLog(
                0, db.Clock.GetUtcNow(), (int)type, type.ToString(), severity, message,
                UserId: job.OwnerId, VmId: vm?.VmGuid, VmName: vm?.VmName, StorageDomainId: domainId, StoragePoolId: pool.Id, StoragePoolName: pool.Name,
                CorrelationId: job.CorrelationId, JobId: job.JobId),
            cancellationToken);

    /// <summary>An event of a VM on its host, not of a job (what the VM monitor saw).</summary>
    public static Task<long> VmAsync(
        EngineDatabase db, EngineEventType type, AuditLogSeverity severity, string message, Guid vmId, string vmName, VdsStatic? host, CancellationToken cancellationToken) =>
        db.AuditLog.AppendAsync(
            new AuditLog(
                0, db.Clock.GetUtcNow(), (int)type, type.ToString(), severity, message,
                VmId: vmId, VmName: vmName, VdsId: host?.VdsId, VdsName: host?.VdsName, StoragePoolId: host?.StoragePoolId),
            cancellationToken);

    public static Task<long> PoolAsync(EngineDatabase db, EngineEventType type, AuditLogSeverity severity, string message, StoragePool pool, CancellationToken cancellationToken) =>
        db.AuditLog.AppendAsync(
            new AuditLog(0, db.Clock.GetUtcNow(), (int)type, type.ToString(), severity, message, StoragePoolId: pool.Id, StoragePoolName: pool.Name),
            cancellationToken);
}
