using Sanpool.Storage.Journal;

namespace Sanpool.Storage.Volumes;

/// <summary>An interrupted operation a writer brought to an end on open, and how.</summary>
public sealed record RecoveredOperation(JournalEntry Entry, string What)
{
    /// <summary>True if it was finished (past its point of no return), false if rolled back.</summary>
    public bool Finished => Entry.Forward;

    public override string ToString() => $"{Entry.Operation} {Entry.Id}: {What}";
}
