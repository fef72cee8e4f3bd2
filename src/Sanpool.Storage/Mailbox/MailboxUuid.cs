namespace Sanpool.Storage.Mailbox;

/// <summary>
/// How an <c>xtnd</c> message carries a domain or volume UUID: 16 bytes, the UUID's RFC 4122
/// byte order (the order of its hex digits) fully reversed. VDSM's pack_uuid takes
/// <c>uuid.UUID(s).int</c> (the RFC bytes read as one big-endian 128-bit number) and writes it
/// with <c>to_bytes(16, "little")</c>, so the last hex pair comes first. Not .NET's
/// <see cref="Guid.ToByteArray()"/> order (which swaps only the first three groups).
///
/// <code>
///  UUID 00112233-4455-6677-8899-aabbccddeeff
///  bytes ff ee dd cc bb aa 99 88 77 66 55 44 33 22 11 00
/// </code>
/// </summary>
public static class MailboxUuid
{
    public const int Size = 16;

    /// <summary>Writes <paramref name="value"/> into the first 16 bytes of <paramref name="destination"/>.</summary>
    public static void Write(Guid value, Span<byte> destination)
    {
        Span<byte> rfc = stackalloc byte[Size];
        if (!value.TryWriteBytes(rfc, bigEndian: true, out _) || destination.Length < Size)
        {
            throw new ArgumentException($"a packed UUID needs {Size} bytes", nameof(destination));
        }

        for (int i = 0; i < Size; i++)
        {
            destination[i] = rfc[Size - 1 - i];
        }
    }

    /// <summary>Reads a UUID from the first 16 bytes of <paramref name="source"/>.</summary>
    public static Guid Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new InvalidDataException($"a packed UUID needs {Size} bytes, got {source.Length}");
        }

        Span<byte> rfc = stackalloc byte[Size];
        for (int i = 0; i < Size; i++)
        {
            rfc[i] = source[Size - 1 - i];
        }

        return new Guid(rfc, bigEndian: true);
    }
}
