namespace Sanpool.Storage.Operations;

/// <summary>
/// What happens to a deleted volume's extents before its LV is removed, as oVirt has it: wipe
/// after delete is the disk's choice (VDSM's postZero), discard after delete the domain's
/// (VDSM's discard). Null takes the domain's default (<see cref="Domains.DomainInfo.WipeAfterDelete"/>,
/// <see cref="Domains.DomainInfo.DiscardAfterDelete"/>). Both matter on block domains only: a
/// file domain's deleted file is the file system's to clear, and VDSM ignores them there too.
/// </summary>
public sealed record DeleteOptions
{
    /// <summary>Zero the volume's extents (BLKZEROOUT, or zeros written) before the LV is removed.</summary>
    public bool? Wipe { get; init; }

    /// <summary>Discard the volume's extents (BLKDISCARD, where the LUN supports it) before the LV is removed.</summary>
    public bool? Discard { get; init; }
}
