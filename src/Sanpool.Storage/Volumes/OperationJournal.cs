using Sanpool.Storage.Journal;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// An operation's entry in the journal while it runs. Undo steps are recorded before the step
/// they undo (write-ahead), so after a crash the entry covers everything that may have happened.
/// </summary>
public sealed class OperationJournal
{
    private readonly DomainWriter _writer;

    internal OperationJournal(DomainWriter writer, int slot, JournalEntry entry)
    {
        _writer = writer;
        Slot = slot;
        Entry = entry;
    }

    public int Slot { get; }

    public JournalEntry Entry { get; private set; }

    public Task PushUndoAsync(UndoStep step, CancellationToken cancellationToken) =>
        UpdateAsync(Entry with { Undo = [.. Entry.Undo, step] }, cancellationToken);

    /// <summary>Records the phase; <paramref name="forward"/> marks the point of no return.</summary>
    public Task PhaseAsync(string phase, bool forward, CancellationToken cancellationToken) =>
        UpdateAsync(Entry with { Phase = phase, Forward = forward || Entry.Forward }, cancellationToken);

    public async Task UpdateAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        _writer.CheckLease();
        await _writer.Journal.UpdateAsync(Slot, entry, cancellationToken).ConfigureAwait(false);
        Entry = entry;
    }

    /// <summary>The operation is complete: frees the slot.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _writer.Journal.EndAsync(Slot, cancellationToken).ConfigureAwait(false);
        _writer.Release(Slot, Entry);
    }
}
