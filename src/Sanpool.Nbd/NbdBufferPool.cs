using System.Collections.Concurrent;
using System.Numerics;

namespace Sanpool.Nbd;

/// <summary>
/// Aligned payload buffers shared by all connections of a server, in power-of-two size classes
/// from 4 KiB up to the payload limit. Returned buffers are kept for reuse while the retained
/// total stays under a cap, so a steady stream of requests allocates nothing, and a burst of
/// large ones does not pin its memory forever.
/// </summary>
internal sealed class NbdBufferPool : IDisposable
{
    private const int MinClassShift = 12;
    private readonly ConcurrentBag<NbdBuffer>[] _free;
    private readonly long _retainCap;
    private long _retained;
    private bool _disposed;

    public NbdBufferPool(int maxPayload, long retainCap)
    {
        int classes = BitOperations.Log2((uint)maxPayload) - MinClassShift + 1;
        _free = new ConcurrentBag<NbdBuffer>[Math.Max(classes, 1)];
        for (int i = 0; i < _free.Length; i++)
        {
            _free[i] = [];
        }

        _retainCap = retainCap;
    }

    /// <summary>A buffer of at least <paramref name="length"/> bytes (at most the payload limit).</summary>
    public NbdBuffer Rent(int length)
    {
        int shift = Math.Max(MinClassShift, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(length, 1))));
        int sizeClass = shift - MinClassShift;
        if (_free[sizeClass].TryTake(out var buffer))
        {
            Interlocked.Add(ref _retained, -buffer.Capacity);
            return buffer;
        }

        return new NbdBuffer(1 << shift, sizeClass);
    }

    public void Return(NbdBuffer buffer)
    {
        if (!Volatile.Read(ref _disposed) && Interlocked.Add(ref _retained, buffer.Capacity) <= _retainCap)
        {
            _free[buffer.SizeClass].Add(buffer);
            return;
        }

        if (!Volatile.Read(ref _disposed))
        {
            Interlocked.Add(ref _retained, -buffer.Capacity);
        }

        ((IDisposable)buffer).Dispose();
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var bag in _free)
        {
            while (bag.TryTake(out var buffer))
            {
                ((IDisposable)buffer).Dispose();
            }
        }
    }
}
