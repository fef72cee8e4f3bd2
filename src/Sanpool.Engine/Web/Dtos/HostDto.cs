using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A host as <c>/api/hosts</c> shows it (never its agent token).</summary>
/// <param name="Address">Where its agent answers: a unix socket path or an http(s) URL.</param>
/// <param name="HostId">Its id in its data center's lockspaces (1-250).</param>
/// <param name="StatusDetail">Why it is not operational, or why it did not answer.</param>
public sealed record HostDto(
    Guid Id,
    string Name,
    string HostName,
    string Address,
    VdsStatus Status,
    string? StatusDetail,
    HostSpmDto Spm,
    int? HostId,
    RefDto? DataCenter,
    DateTimeOffset? LastSeen,
    string Href,
    IReadOnlyList<LinkDto> Actions)
{
    public static HostDto From(VdsView host, string api)
    {
        ArgumentNullException.ThrowIfNull(host);
        var s = host.Static;
        string href = $"{api}/hosts/{s.VdsId}";
        return new HostDto(
            s.VdsId,
            s.VdsName,
            s.HostName,
            s.AgentAddress,
            host.Dynamic.Status,
            host.Dynamic.NonOperationalReason,
            new HostSpmDto(s.VdsSpmPriority, host.Dynamic.SpmStatus),
            host.SpmId,
            s.StoragePoolId is { } pool ? new RefDto(pool, $"{api}/datacenters/{pool}") : null,
            host.Dynamic.LastSeen,
            href,
            [new LinkDto("deactivate", href + "/deactivate"), new LinkDto("activate", href + "/activate"), new LinkDto("selectasspm", href + "/selectasspm")]);
    }
}
