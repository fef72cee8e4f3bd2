namespace Sanpool.Engine.Model;

/// <summary>A row of <c>vds_dynamic</c>: a host's status as last polled.</summary>
public sealed record VdsDynamic(
    Guid VdsId,
    VdsStatus Status,
    string? NonOperationalReason,
    SpmStatus SpmStatus,
    DateTimeOffset? LastSeen,
    DateTimeOffset? UpdateDate);
