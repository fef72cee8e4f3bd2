using Sanpool.Engine.Model;

namespace Sanpool.Engine.Reconciliation;

/// <summary>
/// One disk's chain seen four ways, side by side, the way seed 003 walks through them: the
/// database's rows, the volume metadata, the LV tags and the qcow2 headers; each volume's
/// parent as each view says it, and every difference with the fix that makes them agree.
/// </summary>
/// <param name="ReadFrom">The domain whose storage was read.</param>
public sealed record DiskChainReport(Guid Disk, Guid ReadFrom, IReadOnlyList<VolumeViews> Volumes, IReadOnlyList<ChainDifference> Differences)
{
    /// <summary>True when every view agrees on every volume.</summary>
    public bool Agrees => Differences.Count == 0;
}

/// <summary>One volume in each view (null where a view does not have it), and whether they agree on its parent.</summary>
public sealed record VolumeViews(Guid Id, DatabaseView? Database, MetadataView? Metadata, LvTagsView? LvTags, Qcow2View? Qcow2, bool ParentAgrees);

/// <summary>The <c>images</c> row.</summary>
public sealed record DatabaseView(Guid Parent, ImageStatus Status, bool Active, VolumeFormat Format, long Size, int SequenceNumber);

/// <summary>The volume's metadata record.</summary>
public sealed record MetadataView(Guid Parent, string Voltype, string Legality, string Format, long Capacity);

/// <summary>The LV's tags (block domains): PU_ parent and MD_ slot.</summary>
public sealed record LvTagsView(Guid? Parent, int? MetadataSlot);

/// <summary>The qcow2 header: the backing file as written (a parent's bare id) and the virtual size.</summary>
public sealed record Qcow2View(string? BackingFile, long Size);

/// <summary>A difference, the volume it is about (null for the disk as a whole), and the fix.</summary>
/// <param name="Safe">The fix cannot lose data (it changes only the database's view).</param>
public sealed record ChainDifference(ChainDifferenceKind Kind, Guid? Volume, string Detail, string Fix, bool Safe);
