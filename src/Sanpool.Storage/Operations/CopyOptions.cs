using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Operations;

/// <summary>How <see cref="CopyImage"/> copies: as it is, collapsed, or into a template.</summary>
public sealed record CopyOptions
{
    public bool Collapse { get; init; }

    /// <summary>Collapse into one SHARED volume: a template other images are made from.</summary>
    public bool Template { get; init; }

    /// <summary>The image on the target (default: the same UUID).</summary>
    public Guid? NewImage { get; init; }

    /// <summary>The collapsed volume's UUID (default: a new one).</summary>
    public Guid? NewVolume { get; init; }

    /// <summary>The collapsed volume's format (default: RAW if the chain is all RAW, else COW).</summary>
    public VolumeFormat? Format { get; init; }
}
