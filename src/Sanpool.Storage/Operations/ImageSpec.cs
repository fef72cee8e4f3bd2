using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Operations;

/// <summary>A new image: its first volume's id, size and kind, or a template to start from.</summary>
public sealed record ImageSpec(Guid Image, Guid Volume, long Capacity, VolumeFormat Format, AllocationType Allocation)
{
    public string Description { get; init; } = "";

    /// <summary>The template image whose shared volume becomes the new volume's parent (COW only).</summary>
    public Guid? Template { get; init; }
}
