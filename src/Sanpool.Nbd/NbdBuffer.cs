using System.Buffers;
using System.Runtime.InteropServices;

namespace Sanpool.Nbd;

/// <summary>
/// One pooled buffer: native memory aligned to 4096 bytes, so an export may hand it straight to
/// O_DIRECT I/O; its capacity is a power of two. Rented from and returned to an
/// <see cref="NbdBufferPool"/>; <see cref="Memory"/> is sliced to the request's length.
/// </summary>
internal sealed unsafe class NbdBuffer : MemoryManager<byte>
{
    public const int Alignment = 4096;

    private void* _pointer;

    public NbdBuffer(int capacity, int sizeClass)
    {
        Capacity = capacity;
        SizeClass = sizeClass;
        _pointer = NativeMemory.AlignedAlloc((nuint)capacity, Alignment);
    }

    public int Capacity { get; }

    public int SizeClass { get; }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new Span<byte>(_pointer, Capacity);
    }

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
