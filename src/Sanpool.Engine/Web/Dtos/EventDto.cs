using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>An event (<c>audit_log</c>) as <c>/api/events</c> shows it.</summary>
/// <param name="Code">The kind of event, a stable number; <paramref name="CodeName"/> is its name.</param>
public sealed record EventDto(
    long Id,
    DateTimeOffset Time,
    AuditLogSeverity Severity,
    int Code,
    string CodeName,
    string Description,
    RefDto? Host,
    string? HostName,
    RefDto? DataCenter,
    string? DataCenterName,
    RefDto? StorageDomain,
    string? CorrelationId,
    Guid? JobId,
    string Origin)
{
    public static EventDto From(AuditLog e, string api)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new EventDto(
            e.AuditLogId,
            e.LogTime,
            e.Severity,
            e.LogType,
            e.LogTypeName,
            e.Message,
            e.VdsId is { } h ? new RefDto(h, $"{api}/hosts/{h}") : null,
            e.VdsName,
            e.StoragePoolId is { } p ? new RefDto(p, $"{api}/datacenters/{p}") : null,
            e.StoragePoolName,
            e.StorageDomainId is { } d ? new RefDto(d, $"{api}/storagedomains/{d}") : null,
            e.CorrelationId,
            e.JobId,
            e.Origin);
    }
}
