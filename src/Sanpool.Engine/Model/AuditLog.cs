namespace Sanpool.Engine.Model;

/// <summary>A row of <c>audit_log</c>: one event. Names are copied in, so an event outlives what it names.</summary>
/// <param name="AuditLogId">Given by the database on append; ignored when appending.</param>
/// <param name="LogType">A stable number for the kind of event; <paramref name="LogTypeName"/> is its name.</param>
public sealed record AuditLog(
    long AuditLogId,
    DateTimeOffset LogTime,
    int LogType,
    string LogTypeName,
    AuditLogSeverity Severity,
    string Message,
    Guid? UserId = null,
    string? UserName = null,
    Guid? VdsId = null,
    string? VdsName = null,
    Guid? VmId = null,
    string? VmName = null,
    Guid? StorageDomainId = null,
    string? StorageDomainName = null,
    Guid? StoragePoolId = null,
    string? StoragePoolName = null,
    string? CorrelationId = null,
    Guid? JobId = null,
    string Origin = AuditLog.SanpoolOrigin)
{
    public const string SanpoolOrigin = "sanpool";
}
