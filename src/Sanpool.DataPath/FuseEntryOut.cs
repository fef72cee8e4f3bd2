using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// fuse_entry_out, the reply to LOOKUP: the node id the kernel will use for the name, and its
/// attributes. Both validity periods are zero on purpose: the kernel asks again on every path
/// walk and stat, so a removed or resized volume is seen at once without FUSE notifications.
/// Little-endian host order.
/// </summary>
internal readonly record struct FuseEntryOut(ulong NodeId, FuseAttr Attr)
{
    private const int NodeIdOffset = 0;
    private const int GenerationOffset = NodeIdOffset + 8;
    private const int EntryValidOffset = GenerationOffset + 8;
    private const int AttrValidOffset = EntryValidOffset + 8;
    private const int EntryValidNsecOffset = AttrValidOffset + 8;
    private const int AttrValidNsecOffset = EntryValidNsecOffset + 4;
    private const int AttrOffset = AttrValidNsecOffset + 4;

    public const int Size = AttrOffset + FuseAttr.Size;

    public void Write(Span<byte> destination)
    {
        // Generation, validity periods: 0. Node ids are never reused, so generation 0 is enough.
        destination[..AttrOffset].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination[NodeIdOffset..], NodeId);
        Attr.Write(destination[AttrOffset..]);
    }
}
