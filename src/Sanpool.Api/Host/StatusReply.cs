using Sanpool.Api.Spm;

namespace Sanpool.Api.Host;

/// <summary>
/// <c>status</c>: the host (id, name, pool, the master it connected through), its SPM role once
/// connected, and once its monitor has checked: how it sees each domain and the other hosts.
/// </summary>
public sealed record StatusReply
{
    public required int HostId { get; init; }

    public required string HostName { get; init; }

    public required Guid Pool { get; init; }

    public required Guid Master { get; init; }

    public bool Connected { get; init; }

    /// <summary>
    /// Whether a manager decides this host's SPM role (its config's <c>"election": false</c>): the
    /// engine starts and moves the SPM only among such hosts, and leaves a pool whose hosts elect
    /// by themselves to their election.
    /// </summary>
    public bool? Managed { get; init; }

    public SpmStatusReply? Spm { get; init; }

    /// <summary>Whether the host's id lease in the master lockspace is valid now.</summary>
    public bool? LeaseValid { get; init; }

    /// <summary>Whether every Active domain of the pool was readable at the last check.</summary>
    public bool? SeesAll { get; init; }

    public IReadOnlyList<DomainSeen>? Domains { get; init; }

    public IReadOnlyList<HostSeen>? Hosts { get; init; }
}
