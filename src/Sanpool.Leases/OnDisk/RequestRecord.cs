using System.Buffers.Binary;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// sanlock's request record (struct request_record): sector 1 of a resource area, where a
/// host asks the owner to give the lease up. Little-endian. Initialisation writes it with
/// lver 0 and no force mode.
/// <code>
///  off size field
///  0x00  4  magic       0x08292011
///  0x04  4  version     0x00010001 (major = high 16 bits)
///  0x08  8  lver        the lease version the request is for
///  0x10  4  force_mode  0 none, 1 kill the owner (FORCE), 2 ask it (GRACEFUL)
/// </code>
/// </summary>
public sealed record RequestRecord(uint Magic, uint Version, ulong Lver, uint ForceMode)
{
    public const uint RequestMagic = 0x08292011;
    public const uint RequestVersion = 0x00010001;

    public const int Size = Offsets.End;

    public static readonly RequestRecord Initial = new(RequestMagic, RequestVersion, 0, 0);

    public static RequestRecord Decode(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Magic..]),
        BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.Version..]),
        BinaryPrimitives.ReadUInt64LittleEndian(b[Offsets.Lver..]),
        BinaryPrimitives.ReadUInt32LittleEndian(b[Offsets.ForceMode..]));

    public void Encode(Span<byte> b)
    {
        b[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Magic..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.Version..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(b[Offsets.Lver..], Lver);
        BinaryPrimitives.WriteUInt32LittleEndian(b[Offsets.ForceMode..], ForceMode);
    }

    public static class Offsets
    {
        public const int Magic = 0;
        public const int Version = Magic + 4;
        public const int Lver = Version + 4;
        public const int ForceMode = Lver + 8;
        public const int End = ForceMode + 4;
    }
}
