using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data;

/// <summary>One row of <see cref="Seed003.Query"/>: a volume, with its VM's name and its snapshot's description and status.</summary>
public sealed record Seed003Row(
    string VmName,
    string Description,
    SnapshotStatus Status,
    Guid ImageGuid,
    Guid ImageGroupId,
    Guid ParentId,
    ImageStatus ImageStatus);
