using System.Buffers.Binary;
using System.Numerics;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// sanlock's checksum: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) started from
/// 0xFFFFFFFE (sanlock passes ~1) and with no final inversion. A standard CRC-32C (init and
/// final XOR 0xFFFFFFFF) gives a different value, so the standard routine cannot be used.
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is the raw update step (the SSE4.2 crc32
/// instruction), which is exactly what is needed here.
/// </summary>
public static class SanlockCrc32c
{
    public const uint Seed = 0xFFFFFFFE;

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = Seed;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        for (; i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }

        return crc;
    }
}
