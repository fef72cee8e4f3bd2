namespace Sanpool.Api.Pools;

/// <summary>A volume's storage: the file or LV, its size and what it uses, and on a block domain its LV tags.</summary>
public sealed record VolumeStorageView
{
    /// <summary>What the storage gives the volume, bytes (file length or LV size).</summary>
    public required long Size { get; init; }

    /// <summary>What it uses, bytes (dump-volume-chains' truesize).</summary>
    public required long Truesize { get; init; }

    /// <summary>The PU_ tag's parent (block domains only).</summary>
    public Guid? TagParent { get; init; }

    /// <summary>The MD_ tag's metadata slot (block domains only).</summary>
    public int? MetadataSlot { get; init; }

    /// <summary>Still marked as being created (OVIRT_VOL_INITIALIZING).</summary>
    public bool Initializing { get; init; }

    /// <summary>Marked as being removed (IU__remove_me_).</summary>
    public bool Removing { get; init; }
}
