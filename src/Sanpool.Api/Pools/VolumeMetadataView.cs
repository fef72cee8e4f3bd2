namespace Sanpool.Api.Pools;

/// <summary>A volume's metadata record, as VDSM's keys say it (PUUID, VOLTYPE, FORMAT, TYPE, LEGALITY, CAP, CTIME, GEN).</summary>
public sealed record VolumeMetadataView
{
    /// <summary>IMAGE: the image the metadata names.</summary>
    public required Guid Image { get; init; }

    /// <summary>PUUID: the parent volume; all zeros for a base.</summary>
    public required Guid Parent { get; init; }

    /// <summary>LEAF, INTERNAL or SHARED.</summary>
    public required string Voltype { get; init; }

    /// <summary>COW or RAW.</summary>
    public required string Format { get; init; }

    /// <summary>SPARSE or PREALLOCATED.</summary>
    public required string Type { get; init; }

    /// <summary>LEGAL, ILLEGAL or FAKE.</summary>
    public required string Legality { get; init; }

    /// <summary>CAP: the virtual size in bytes.</summary>
    public required long Capacity { get; init; }

    /// <summary>CTIME: seconds since the epoch.</summary>
    public long Ctime { get; init; }

    public int Generation { get; init; }

    public string Description { get; init; } = "";
}
