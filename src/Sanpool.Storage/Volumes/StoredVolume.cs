namespace Sanpool.Storage.Volumes;

/// <summary>
/// A volume as its domain's storage holds it, before its metadata is read: a file under
/// <c>images/&lt;img&gt;/</c>, or an LV with its tags. <see cref="Size"/> is what the storage
/// gives the volume (file length or LV size); <see cref="Allocated"/> is what it uses
/// (blocks on a file domain, the LV size on a block domain): dump-volume-chains' truesize.
/// </summary>
public sealed record StoredVolume(Guid Image, Guid Volume, long Size, long Allocated)
{
    /// <summary>The parent named by the LV's PU_ tag (block domains only).</summary>
    public Guid? TagParent { get; init; }

    /// <summary>The metadata slot named by the LV's MD_ tag (block domains only).</summary>
    public int? Slot { get; init; }

    /// <summary>Still tagged OVIRT_VOL_INITIALIZING: a creation that did not finish.</summary>
    public bool Initializing { get; init; }

    /// <summary>Tagged <c>IU__remove_me_</c>: a removal that did not finish.</summary>
    public bool Removing { get; init; }

    public override string ToString() => $"{Image}/{Volume}";
}
