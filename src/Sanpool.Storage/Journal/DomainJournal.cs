using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Journal;

/// <summary>
/// The journal of one domain: entries in slots (<see cref="JournalArea"/>), each written to
/// the copy that does not hold the newest valid record. Only the domain's writer (the holder
/// of its SPM lease) uses it, so there is no locking here.
/// </summary>
public sealed class DomainJournal
{
    private readonly IBlockDevice _device;
    private readonly ulong[] _sequence = new ulong[JournalArea.Slots];
    private readonly int[] _newestCopy = new int[JournalArea.Slots];

    private DomainJournal(IBlockDevice device) => _device = device;

    /// <summary>Reads every slot and returns the journal with the entries left by earlier writers.</summary>
    public static async Task<(DomainJournal Journal, IReadOnlyList<(int Slot, JournalEntry Entry)> Pending)> OpenAsync(
        IBlockDevice device, Guid domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Size < JournalArea.Size)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"journal area {device.Path} is {device.Size} bytes; needs {JournalArea.Size}");
        }

        var journal = new DomainJournal(device);
        var pending = new List<(int, JournalEntry)>();
        var buffer = new byte[JournalArea.CopySize];
        for (int slot = 0; slot < JournalArea.Slots; slot++)
        {
            JournalRecord? newest = null;
            for (int copy = 0; copy < 2; copy++)
            {
                await device.ReadAsync(JournalArea.Offset(slot, copy), buffer, cancellationToken).ConfigureAwait(false);
                var record = JournalRecord.TryRead(buffer);
                if (record is not null && (newest is null || record.Sequence > newest.Sequence))
                {
                    newest = record;
                    journal._newestCopy[slot] = copy;
                }
            }

            journal._sequence[slot] = newest?.Sequence ?? 0;
            // An entry of another domain is what a LUN used before kept: not ours, the slot is free.
            if (newest is { IsFree: false } && ParseOrThrow(newest, device.Path, slot) is { } entry && entry.Domain == domain)
            {
                pending.Add((slot, entry));
            }
        }

        return (journal, pending);
    }

    /// <summary>Writes <paramref name="entry"/> into a free slot and returns the slot.</summary>
    public async Task<int> BeginAsync(JournalEntry entry, IReadOnlyCollection<int> busy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(busy);
        for (int slot = 0; slot < JournalArea.Slots; slot++)
        {
            if (!busy.Contains(slot))
            {
                await UpdateAsync(slot, entry, cancellationToken).ConfigureAwait(false);
                return slot;
            }
        }

        throw new SanpoolException(StorageErrors.DomainBusy, $"all {JournalArea.Slots} journal slots are in use");
    }

    public Task UpdateAsync(int slot, JournalEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return WriteAsync(slot, entry.ToJson(), cancellationToken);
    }

    /// <summary>Frees the slot: the operation is complete (or fully undone).</summary>
    public Task EndAsync(int slot, CancellationToken cancellationToken) => WriteAsync(slot, [], cancellationToken);

    private async Task WriteAsync(int slot, byte[] body, CancellationToken cancellationToken)
    {
        var record = new JournalRecord(_sequence[slot] + 1, body);
        int copy = 1 - _newestCopy[slot];
        using var buffer = new AlignedBuffer(JournalArea.CopySize);
        record.Write(buffer.GetSpan());
        await _device.WriteAsync(JournalArea.Offset(slot, copy), buffer.Memory, cancellationToken).ConfigureAwait(false);
        _sequence[slot] = record.Sequence;
        _newestCopy[slot] = copy;
    }

    private static JournalEntry ParseOrThrow(JournalRecord record, string where, int slot)
    {
        try
        {
            return JournalEntry.FromJson(record.Body);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new SanpoolException(StorageErrors.MetadataInvalid, $"journal slot {slot} of {where}: {e.Message}");
        }
    }
}
