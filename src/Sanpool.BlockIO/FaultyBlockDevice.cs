using Sanpool.Core;

namespace Sanpool.BlockIO;

/// <summary>
/// Wraps a device and fails, delays or hangs chosen operations. Faults are injected and
/// removed while I/O is running, so a test can take storage away from a lease holder and
/// give it back. Removing a Hang fault releases the operations it holds.
/// </summary>
public sealed class FaultyBlockDevice : IBlockDevice
{
    private readonly IBlockDevice _inner;
    private readonly Lock _lock = new();
    private readonly List<ActiveFault> _faults = [];

    public FaultyBlockDevice(IBlockDevice inner)
    {
        _inner = inner;
    }

    public string Path => _inner.Path;

    public int SectorSize => _inner.SectorSize;

    public long Size => _inner.Size;

    /// <summary>How many operations a fault has affected so far, over all faults.</summary>
    public int FaultedOperations { get; private set; }

    /// <summary>Adds a fault; dispose the result to remove it (and release what it hangs).</summary>
    public IDisposable Inject(Fault fault)
    {
        var active = new ActiveFault(this, fault);
        lock (_lock)
        {
            _faults.Add(active);
        }

        return active;
    }

    /// <summary>Removes every fault.</summary>
    public void Clear()
    {
        ActiveFault[] all;
        lock (_lock)
        {
            all = [.. _faults];
        }

        foreach (var f in all)
        {
            f.Dispose();
        }
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await ApplyFault(BlockOps.Read, offset, buffer.Length, cancellationToken).ConfigureAwait(false);
        await _inner.ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await ApplyFault(BlockOps.Write, offset, data.Length, cancellationToken).ConfigureAwait(false);
        await _inner.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
    }

    private async Task ApplyFault(BlockOps op, long offset, int length, CancellationToken cancellationToken)
    {
        ActiveFault? hit = null;
        lock (_lock)
        {
            foreach (var f in _faults)
            {
                if (f.Fault.Matches(op, offset, length) && f.Remaining > 0)
                {
                    f.Remaining--;
                    FaultedOperations++;
                    hit = f;
                    break;
                }
            }
        }

        if (hit is null)
        {
            return;
        }

        switch (hit.Fault.Kind)
        {
            case FaultKind.Fail:
                throw new SanpoolException(BlockIoErrors.IoError,
                    $"injected {op.ToString().ToLowerInvariant()} error at {offset} on {Path}", isTransient: true);
            case FaultKind.Delay:
                await Task.Delay(hit.Fault.Delay, cancellationToken).ConfigureAwait(false);
                break;
            case FaultKind.Hang:
                await hit.Released.ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Ends every fault, failing the operations hung on a <see cref="FaultKind.Hang"/> with
    /// IO_ERROR instead of letting them through: what a multipath device does with the I/O it
    /// queued once it gives the path up. Later operations go through.
    /// </summary>
    public void ClearFailingHung()
    {
        ActiveFault[] all;
        lock (_lock)
        {
            all = [.. _faults];
            _faults.Clear();
        }

        foreach (var f in all)
        {
            f.Abort(new SanpoolException(BlockIoErrors.IoError, $"injected hang on {Path} ended in an I/O error", isTransient: true));
        }
    }

    public ValueTask DisposeAsync()
    {
        Clear();
        return _inner.DisposeAsync();
    }

    private sealed class ActiveFault : IDisposable
    {
        private readonly FaultyBlockDevice _owner;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ActiveFault(FaultyBlockDevice owner, Fault fault)
        {
            _owner = owner;
            Fault = fault;
            Remaining = fault.Count;
        }

        public Fault Fault { get; }

        public int Remaining { get; set; }

        public Task Released => _released.Task;

        public void Dispose()
        {
            lock (_owner._lock)
            {
                _owner._faults.Remove(this);
            }

            _released.TrySetResult();
        }

        public void Abort(Exception error) => _released.TrySetException(error);
    }
}
