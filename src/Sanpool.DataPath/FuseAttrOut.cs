using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_attr_out, the reply to GETATTR and SETATTR: attributes valid for 0 s, so the kernel
/// never trusts a cached size. Little-endian host order.
/// </summary>
internal readonly record struct FuseAttrOut(FuseAttr Attr)
{
    private const int AttrValidOffset = 0;
    private const int AttrValidNsecOffset = AttrValidOffset + 8;
    private const int DummyOffset = AttrValidNsecOffset + 4;
    private const int AttrOffset = DummyOffset + 4;

    public const int Size = AttrOffset + FuseAttr.Size;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination[AttrValidOffset..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[AttrValidNsecOffset..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[DummyOffset..], 0);
        Attr.Write(destination[AttrOffset..]);
    }
}
