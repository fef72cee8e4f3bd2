namespace Sanpool.Api.Pools;

/// <summary>What a volume's qcow2 header says: its backing link and virtual size (qemu-img info's view, read natively).</summary>
public sealed record Qcow2HeaderView
{
    /// <summary>2 or 3.</summary>
    public required int Version { get; init; }

    /// <summary>The virtual size in bytes.</summary>
    public required long Size { get; init; }

    /// <summary>The backing file as written (a parent's bare UUID in a sound chain); null for none.</summary>
    public string? BackingFile { get; init; }

    /// <summary>The backing format (raw or qcow2), when the header names one.</summary>
    public string? BackingFormat { get; init; }
}
