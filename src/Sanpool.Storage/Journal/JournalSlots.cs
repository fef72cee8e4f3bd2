using Sanpool.Core;

namespace Sanpool.Storage.Journal;

/// <summary>
/// Which slots of a domain's journal belong to live operations: the allocation that keeps two
/// operations of one writer out of one slot however many run at once (DESIGN section 5, rule
/// 3a). A slot is taken before its entry is written and given back only after the slot has
/// been emptied on storage, so no two live operations ever write one slot:
/// <code>
/// task A: Take -> slot 0 ... write entry ... end: write empty -> Free(0)
/// task B:   Take -> slot 1 (0 is taken, even before A's write lands)
/// task C:   Take: all 16 taken -> waits for the first Free, then takes that slot
/// </code>
/// Guarded by <see cref="_lock"/> (the flags) and <see cref="_free"/> (how many are free, so a
/// taker waits without spinning when all are in use).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
public sealed class JournalSlots
{
    private readonly Lock _lock = new();
    private readonly bool[] _taken;
    private readonly SemaphoreSlim _free;

    /// <param name="slots">How many slots the journal has.</param>
    /// <param name="pending">Slots that hold entries left by an earlier writer, taken until recovery frees them.</param>
    public JournalSlots(int slots, IEnumerable<int> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        _taken = new bool[slots];
        foreach (int slot in pending)
        {
            _taken[slot] = true;
        }

        _free = new SemaphoreSlim(_taken.Count(t => !t), slots);
    }

    /// <summary>How many slots live operations hold now.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _taken.Count(t => t);
            }
        }
    }

    /// <summary>Takes a free slot, waiting for one if every slot is in use.</summary>
    public async Task<int> TakeAsync(CancellationToken cancellationToken)
    {
        await _free.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            int slot = Array.IndexOf(_taken, false);
            if (slot < 0)
            {
                // The semaphore counts the free slots: one was promised, so one must be free.
                _free.Release();
                throw new SanpoolException(StorageErrors.DomainBusy, $"journal: no free slot of {_taken.Length} although one was counted free");
            }

            _taken[slot] = true;
            return slot;
        }
    }

    /// <summary>Gives a slot back once its entry is gone from storage (or was never written).</summary>
    public void Free(int slot)
    {
        lock (_lock)
        {
            if (!_taken[slot])
            {
                throw new InvalidOperationException($"journal slot {slot} freed twice");
            }

            _taken[slot] = false;
        }

        _free.Release();
    }

    /// <summary>Whether <paramref name="slot"/> is taken (recovery checks that it resumes a pending slot).</summary>
    public bool IsTaken(int slot)
    {
        lock (_lock)
        {
            return _taken[slot];
        }
    }
}
