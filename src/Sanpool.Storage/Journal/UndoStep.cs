using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Journal;

/// <summary>What undoes one step of an operation.</summary>
public enum UndoAction
{
    /// <summary>Remove a volume the operation created (its storage, metadata, lease, tags).</summary>
    RemoveVolume,

    /// <summary>Put back a volume's VOLTYPE, LEGALITY and parent as they were.</summary>
    RestoreVolume,
}

/// <summary>One undo step; <see cref="Role"/>, <see cref="Legality"/> and <see cref="Parent"/> are the values to restore.</summary>
public sealed record UndoStep(UndoAction Action, Guid Image, Guid Volume)
{
    public VolumeRole? Role { get; init; }

    public Legality? Legality { get; init; }

    public Guid? Parent { get; init; }
}
