using System.Buffers.Binary;

namespace Sanpool.DataPath;

/// <summary>
/// One node's forget: how many LOOKUP replies for it the kernel has dropped. FORGET carries
/// fuse_forget_in (just the count; the node is the header's); BATCH_FORGET carries
/// fuse_batch_forget_in (count, dummy) then that many fuse_forget_one (node id, count).
/// Little-endian host order.
/// </summary>
internal readonly record struct FuseForget(ulong NodeId, ulong Lookups)
{
    private const int OneNodeIdOffset = 0;
    private const int OneLookupsOffset = OneNodeIdOffset + 8;
    private const int OneSize = OneLookupsOffset + 8;
    private const int BatchCountOffset = 0;
    private const int BatchHeaderSize = BatchCountOffset + 8;

    /// <summary>FORGET: the count is the body, the node the header's.</summary>
    public static FuseForget ReadSingle(ulong nodeId, ReadOnlySpan<byte> body) =>
        new(nodeId, BinaryPrimitives.ReadUInt64LittleEndian(body));

    /// <summary>BATCH_FORGET: every node in the body (a count that overruns the body stops at its end).</summary>
    public static List<FuseForget> ReadBatch(ReadOnlySpan<byte> body)
    {
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body[BatchCountOffset..]);
        var forgets = new List<FuseForget>((int)Math.Min(count, 1024));
        for (int i = 0; i < count; i++)
        {
            int at = BatchHeaderSize + (i * OneSize);
            if (at + OneSize > body.Length)
            {
                break;
            }

            forgets.Add(new FuseForget(
                BinaryPrimitives.ReadUInt64LittleEndian(body[(at + OneNodeIdOffset)..]),
                BinaryPrimitives.ReadUInt64LittleEndian(body[(at + OneLookupsOffset)..])));
        }

        return forgets;
    }
}
