using Sanpool.Storage.Journal;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Runs an operation under its journal entry: begin, body, complete. If the body fails before
/// its point of no return, its undo steps run at once and the error goes to the caller; after
/// it, the entry stays for recovery to finish (by this writer's next open, or the next writer).
/// </summary>
internal static class OperationRunner
{
    public static async Task<T> RunAsync<T>(DomainWriter writer, JournalEntry entry, Func<OperationJournal, Task<T>> body, CancellationToken cancellationToken)
    {
        var journal = await writer.BeginAsync(entry, cancellationToken).ConfigureAwait(false);
        T result;
        try
        {
            result = await body(journal).ConfigureAwait(false);
        }
        catch (Exception) when (!journal.Entry.Forward)
        {
            await Recovery.UndoAsync(writer.Store, journal.Entry, CancellationToken.None).ConfigureAwait(false);
            await journal.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await journal.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public static JournalEntry Entry(DomainWriter writer, string operation, Guid image, Dictionary<string, string> args) => new()
    {
        Id = Guid.NewGuid(),
        Operation = operation,
        Domain = writer.Domain,
        Image = image,
        Host = writer.Options.HostName,
        Task = TaskScope.Current,
        Started = VolumeSteps.Now(),
        Args = args,
    };
}
