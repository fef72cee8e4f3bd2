using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Journal;

/// <summary>
/// The journal of one domain: entries in the slots of the master area's journal
/// (<see cref="MasterArea.Journal"/>). Only the domain's writer (the holder of its SPM lease)
/// uses it. Its operations run at once, each in a slot of its own that the writer allocates
/// (<see cref="JournalSlots"/>); each slot is written by its one operation only, so the writes
/// need no lock here.
/// </summary>
public sealed class DomainJournal
{
    private readonly SlotArea _area;

    private DomainJournal(SlotArea area) => _area = area;

    /// <summary>Reads every slot and returns the journal with the entries left by earlier writers.</summary>
    public static async Task<(DomainJournal Journal, IReadOnlyList<(int Slot, JournalEntry Entry)> Pending)> OpenAsync(
        IBlockDevice device, Guid domain, CancellationToken cancellationToken)
    {
        var area = new SlotArea(device, MasterArea.Journal);
        var bodies = await area.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<(int, JournalEntry)>();
        for (int slot = 0; slot < bodies.Count; slot++)
        {
            // An entry of another domain is what a LUN used before kept: not ours, the slot is free.
            if (bodies[slot] is { } body && ParseOrThrow(body, area.Where, slot) is { } entry && entry.Domain == domain)
            {
                pending.Add((slot, entry));
            }
        }

        return (new DomainJournal(area), pending);
    }

    /// <summary>How many slots the journal has.</summary>
    public int Slots => _area.Layout.Slots;

    public Task UpdateAsync(int slot, JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _area.WriteAsync(slot, entry.ToJson(), cancellationToken);
    }

    /// <summary>Frees the slot: the operation is complete (or fully undone).</summary>
    public Task EndAsync(int slot, CancellationToken cancellationToken) => _area.WriteAsync(slot, [], cancellationToken);

    private static JournalEntry ParseOrThrow(byte[] body, string where, int slot)
    {
        try
        {
            return JournalEntry.FromJson(body);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"journal slot {slot} of {where}: {e.Message}");
        }
    }
}
