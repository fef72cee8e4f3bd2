namespace Sanpool.Storage.Qemu;

/// <summary>How <see cref="QemuImg.ConvertAsync"/> writes its target.</summary>
public sealed record QemuConvertOptions
{
    public static QemuConvertOptions Default { get; } = new();

    /// <summary>
    /// Create the target (false: it exists and is written in place, <c>-n</c>, as LVs are).
    /// Always false for <c>json:</c> targets, which qemu-img cannot create.
    /// </summary>
    public bool CreateTarget { get; init; } = true;

    public QemuPreallocation? Preallocation { get; init; }

    /// <summary>The created target's backing file (<c>-B uuid -F fmt</c>): copy only the top of a chain.</summary>
    public QemuBacking? TargetBacking { get; init; }

    /// <summary>An existing target already reads as zeros (<c>--target-is-zero</c>, needs CreateTarget false).</summary>
    public bool TargetIsZero { get; init; }

    /// <summary>Allow out-of-order writes (<c>-W</c>): faster on block storage.</summary>
    public bool Unordered { get; init; }
}
