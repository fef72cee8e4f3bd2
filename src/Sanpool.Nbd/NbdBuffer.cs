using System.Buffers;
using System.Runtime.InteropServices;

namespace Sanpool.Nbd;

/// <summary>
/// One pooled buffer: <see cref="Data"/> is native memory aligned to 4096 bytes, so an export may
/// hand it straight to O_DIRECT I/O; its capacity is a power of two. In front of it lies
/// <see cref="HeaderRoom"/> bytes of room, so that a read's reply header can be written just
/// before its data and both sent in one call (<see cref="Framed"/>). Rented from and returned
/// to an <see cref="NbdBufferPool"/>.
/// </summary>
internal sealed unsafe class NbdBuffer : MemoryManager<byte>
{
    public const int Alignment = 4096;

    /// <summary>Room before the data for a reply header; a whole page, so the data stays aligned.</summary>
    public const int HeaderRoom = Alignment;

    private void* _pointer;

    public NbdBuffer(int capacity, int sizeClass)
    {
        Capacity = capacity;
        SizeClass = sizeClass;
        _pointer = NativeMemory.AlignedAlloc((nuint)(HeaderRoom + capacity), Alignment);
    }

    /// <summary>The bytes of <see cref="Data"/>.</summary>
    public int Capacity { get; }

    /// <summary>The payload area: <see cref="Capacity"/> bytes at a 4096-aligned address.</summary>
    public Memory<byte> Data => Memory.Slice(HeaderRoom, Capacity);

    /// <summary>The last <paramref name="headerLength"/> bytes of header room and the first <paramref name="dataLength"/> of data, as one block.</summary>
    public Memory<byte> Framed(int headerLength, int dataLength) => Memory.Slice(HeaderRoom - headerLength, headerLength + dataLength);

    public int SizeClass { get; }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new Span<byte>(_pointer, HeaderRoom + Capacity);
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
