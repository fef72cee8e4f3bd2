namespace Sanpool.Api.Pools;

/// <summary>
/// <c>domain.volumes</c>: every volume of a domain as the storage holds it, read by this host
/// without a lease, and every image's chain as the metadata links it (base first). The
/// manager compares this with its database (seed 003's troubleshooting, automated).
/// </summary>
public sealed record DomainVolumesReply
{
    public required Guid Domain { get; init; }

    /// <summary>Every volume, by image, then volume id.</summary>
    public required IReadOnlyList<VolumeView> Volumes { get; init; }

    /// <summary>Every image's chain, base first, with why it is broken if it is.</summary>
    public required IReadOnlyList<ChainView> Chains { get; init; }
}
