using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Brings an interrupted operation to a consistent end: operations past their point of no
/// return are finished (delete, and merge once commit began); everything else is undone by
/// its undo steps, newest first. Each step is idempotent, so recovery itself may crash and
/// run again.
/// </summary>
public static class Recovery
{
    public static async Task<string> RunAsync(DomainWriter writer, int slot, JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(entry);
        writer.Resume(slot);
        string what;
        try
        {
            what = entry.Forward
                ? await FinishAsync(writer, entry, cancellationToken).ConfigureAwait(false)
                : await UndoAsync(writer.Store, entry, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            throw new SanpoolException(StorageErrors.RecoveryFailed,
                $"domain {writer.Domain}: recovery of {entry.Operation} {entry.Id} (phase {entry.Phase}) failed: {e.OneLine}", false, e);
        }

        await writer.Journal.EndAsync(slot, cancellationToken).ConfigureAwait(false);
        writer.Release(slot, entry);
        return what;
    }

    /// <summary>Runs the undo steps newest first.</summary>
    public static async Task<string> UndoAsync(IVolumeStore store, JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(entry);
        for (int i = entry.Undo.Count - 1; i >= 0; i--)
        {
            var step = entry.Undo[i];
            if (step.Action == UndoAction.RemoveVolume)
            {
                await store.RemoveAsync(step.Image, step.Volume, cancellationToken).ConfigureAwait(false);
            }
            else if (await VolumeSteps.FindStoredAsync(store, step.Volume, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                await VolumeSteps.UpdateAsync(store, stored, md => md with
                {
                    Role = step.Role ?? md.Role,
                    Legality = step.Legality ?? md.Legality,
                    Parent = step.Parent ?? md.Parent,
                }, cancellationToken).ConfigureAwait(false);
                if (step.Parent is { } parent)
                {
                    await store.SetParentAsync(stored, parent, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return $"rolled back from phase '{entry.Phase}' ({entry.Undo.Count} undo steps)";
    }

    private static Task<string> FinishAsync(DomainWriter writer, JournalEntry entry, CancellationToken cancellationToken) => entry.Operation switch
    {
        DeleteVolume.Name => DeleteVolume.FinishAsync(writer, entry, progress: null, cancellationToken),
        MergeVolumes.Name => MergeVolumes.FinishAsync(writer, entry, cancellationToken),
        _ => throw new SanpoolException(StorageErrors.RecoveryFailed, $"no way to finish operation '{entry.Operation}'"),
    };
}
