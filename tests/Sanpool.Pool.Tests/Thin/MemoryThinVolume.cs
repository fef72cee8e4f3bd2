using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

/// <summary>
/// An in-memory thin volume: <see cref="LvSize"/> is what the (fake) SPM gave the LV, and
/// <see cref="CurrentSize"/> what this host mapped at its last refresh. Writes past the mapped
/// size are refused with <see cref="OutOfSpace"/>, like the NBD export's ENOSPC.
/// </summary>
internal sealed class MemoryThinVolume(long size, long maximum) : IThinVolume
{
    private readonly Lock _gate = new();
    private long _armed = -1;

    public event Action<IThinVolume, long>? ThresholdCrossed;

    public event Action<IThinVolume, long>? OutOfSpace;

    public Guid Domain { get; } = Guid.NewGuid();

    public Guid Image { get; } = Guid.NewGuid();

    public Guid Volume { get; } = Guid.NewGuid();

    public long CurrentSize { get; private set; } = size;

    public long MaximumSize { get; } = maximum;

    public long HighestWrite { get; private set; }

    /// <summary>The LV's size on storage (the fake SPM sets it).</summary>
    public long LvSize { get; set; } = size;

    /// <summary>Refreshes to fail before one succeeds.</summary>
    public int FailRefreshes { get; set; }

    public int Refreshes { get; private set; }

    public long ArmedThreshold
    {
        get
        {
            lock (_gate)
            {
                return _armed;
            }
        }
    }

    public int Refused { get; private set; }

    /// <summary>Writes [offset, offset + length): false (and OutOfSpace) when it reaches past the mapped size.</summary>
    public bool Write(long offset, long length)
    {
        long end = offset + length;
        bool crossed = false;
        lock (_gate)
        {
            if (end > CurrentSize)
            {
                Refused++;
            }
            else
            {
                HighestWrite = Math.Max(HighestWrite, end);
                if (_armed >= 0 && end > _armed)
                {
                    _armed = -1;
                    crossed = true;
                }
            }
        }

        if (end > CurrentSize)
        {
            OutOfSpace?.Invoke(this, end);
            return false;
        }

        if (crossed)
        {
            ThresholdCrossed?.Invoke(this, end);
        }

        return true;
    }

    public void SetWriteThreshold(long offset)
    {
        bool fire;
        lock (_gate)
        {
            fire = HighestWrite > offset;
            _armed = fire ? -1 : offset;
        }

        if (fire)
        {
            ThresholdCrossed?.Invoke(this, HighestWrite);
        }
    }

    public Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Refreshes++;
            if (FailRefreshes > 0)
            {
                FailRefreshes--;
                throw new IOException("lvs failed (injected)");
            }

            CurrentSize = LvSize;
            return Task.FromResult(CurrentSize);
        }
    }
}
