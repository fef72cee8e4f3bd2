using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Sanpool.Core;
using O = Sanpool.Storage.Qemu.Qcow2Header.Offsets;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// The byte-level half of <see cref="Qcow2Header"/>: every read and write of a field, all
/// big-endian, and every check, each failure naming the field. The layout is documented on
/// <see cref="Qcow2Header"/>.
/// </summary>
internal static class Qcow2HeaderCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Qcow2Header Read(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < O.V2End)
        {
            throw Bad(source, "header", $"needs at least {O.V2End} bytes, the image has {data.Length}");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(data[O.Magic..]);
        if (magic != Qcow2Header.Magic)
        {
            throw Bad(source, "magic", $"0x{magic:x8} is not \"QFI\\xfb\"");
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(data[O.Version..]);
        if (version is not (2 or 3))
        {
            throw Bad(source, "version", $"{version} is not 2 or 3");
        }

        uint clusterBits = BinaryPrimitives.ReadUInt32BigEndian(data[O.ClusterBits..]);
        if (clusterBits is < Qcow2Header.MinClusterBits or > Qcow2Header.MaxClusterBits)
        {
            throw Bad(source, "cluster_bits", $"{clusterBits} is outside {Qcow2Header.MinClusterBits}..{Qcow2Header.MaxClusterBits}");
        }

        int clusterSize = 1 << (int)clusterBits;
        var header = new Qcow2Header
        {
            Version = (int)version,
            ClusterBits = (int)clusterBits,
            Size = Signed(data, O.Size, source, "size"),
            CryptMethod = BinaryPrimitives.ReadUInt32BigEndian(data[O.CryptMethod..]),
            L1Size = BinaryPrimitives.ReadUInt32BigEndian(data[O.L1Size..]),
            L1TableOffset = Signed(data, O.L1TableOffset, source, "l1_table_offset"),
            RefcountTableOffset = Signed(data, O.RefcountTableOffset, source, "refcount_table_offset"),
            RefcountTableClusters = BinaryPrimitives.ReadUInt32BigEndian(data[O.RefcountTableClusters..]),
            NbSnapshots = BinaryPrimitives.ReadUInt32BigEndian(data[O.NbSnapshots..]),
            SnapshotsOffset = Signed(data, O.SnapshotsOffset, source, "snapshots_offset"),
        };
        header = version == 3 ? ReadVersion3Fields(header, data, clusterSize, source) : header with { HeaderLength = O.V2End };
        CheckFixedFields(header, source);

        var (backingOffset, backingSize, backingName) = ReadBackingFile(data, header.HeaderLength, clusterSize, source);
        int extensionsEnd = backingOffset != 0 ? (int)backingOffset : clusterSize;
        return header with
        {
            BackingFileOffset = backingOffset,
            BackingFileSize = backingSize,
            BackingFile = backingName,
            Extensions = ReadExtensions(data, header.HeaderLength, extensionsEnd, source),
        };
    }

    public static int EncodedLength(Qcow2Header header)
    {
        int length = header.HeaderLength;
        foreach (var e in header.Extensions)
        {
            length += 8 + Align8(e.Data.Length);
        }

        return length + 8 + (header.BackingFile is null ? 0 : Encoding.UTF8.GetByteCount(header.BackingFile));
    }

    public static int Write(Qcow2Header header, Span<byte> destination)
    {
        bool v3 = header.Version == 3;
        if (v3 ? header.HeaderLength < O.V3MinEnd : header.HeaderLength != O.V2End)
        {
            throw Bad("header to write", "header_length", $"{header.HeaderLength} does not fit version {header.Version}");
        }

        int length = EncodedLength(header);
        if (length > header.ClusterSize || length > destination.Length)
        {
            throw Bad("header to write", "header", $"needs {length} bytes; cluster {header.ClusterSize}, buffer {destination.Length}");
        }

        var d = destination[..length];
        d.Clear();
        byte[]? name = header.BackingFile is null ? null : Encoding.UTF8.GetBytes(header.BackingFile);
        if (name is { Length: > Qcow2Header.MaxNameLength })
        {
            throw Bad("header to write", "backing_file_size", $"{name.Length} is over {Qcow2Header.MaxNameLength}");
        }

        BinaryPrimitives.WriteUInt32BigEndian(d[O.Magic..], Qcow2Header.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.Version..], (uint)header.Version);
        BinaryPrimitives.WriteUInt64BigEndian(d[O.BackingFileOffset..], name is null ? 0UL : (ulong)(length - name.Length));
        BinaryPrimitives.WriteUInt32BigEndian(d[O.BackingFileSize..], name is null ? 0U : (uint)name.Length);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.ClusterBits..], (uint)header.ClusterBits);
        BinaryPrimitives.WriteUInt64BigEndian(d[O.Size..], (ulong)header.Size);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.CryptMethod..], header.CryptMethod);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.L1Size..], header.L1Size);
        BinaryPrimitives.WriteUInt64BigEndian(d[O.L1TableOffset..], (ulong)header.L1TableOffset);
        BinaryPrimitives.WriteUInt64BigEndian(d[O.RefcountTableOffset..], (ulong)header.RefcountTableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.RefcountTableClusters..], header.RefcountTableClusters);
        BinaryPrimitives.WriteUInt32BigEndian(d[O.NbSnapshots..], header.NbSnapshots);
        BinaryPrimitives.WriteUInt64BigEndian(d[O.SnapshotsOffset..], (ulong)header.SnapshotsOffset);
        if (v3)
        {
            BinaryPrimitives.WriteUInt64BigEndian(d[O.IncompatibleFeatures..], (ulong)header.IncompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(d[O.CompatibleFeatures..], (ulong)header.CompatibleFeatures);
            BinaryPrimitives.WriteUInt64BigEndian(d[O.AutoclearFeatures..], (ulong)header.AutoclearFeatures);
            BinaryPrimitives.WriteUInt32BigEndian(d[O.RefcountOrder..], (uint)header.RefcountOrder);
            BinaryPrimitives.WriteUInt32BigEndian(d[O.HeaderLength..], (uint)header.HeaderLength);
            if (header.HeaderLength > O.CompressionType)
            {
                d[O.CompressionType] = header.CompressionType;
            }
        }

        int at = header.HeaderLength;
        foreach (var e in header.Extensions)
        {
            BinaryPrimitives.WriteUInt32BigEndian(d[at..], e.Type);
            BinaryPrimitives.WriteUInt32BigEndian(d[(at + 4)..], (uint)e.Data.Length);
            e.Data.Span.CopyTo(d[(at + 8)..]);
            at += 8 + Align8(e.Data.Length);
        }

        // The end marker (type 0, length 0) is already zero; the name follows it.
        name?.CopyTo(d[(at + 8)..]);
        return length;
    }

    private static Qcow2Header ReadVersion3Fields(Qcow2Header header, ReadOnlySpan<byte> data, int clusterSize, string source)
    {
        if (data.Length < O.V3MinEnd)
        {
            throw Bad(source, "header_length", $"a version 3 header needs {O.V3MinEnd} bytes, the image has {data.Length}");
        }

        uint headerLength = BinaryPrimitives.ReadUInt32BigEndian(data[O.HeaderLength..]);
        if (headerLength < O.V3MinEnd || headerLength > clusterSize)
        {
            throw Bad(source, "header_length", $"{headerLength} is outside {O.V3MinEnd}..{clusterSize} (the cluster size)");
        }

        if (headerLength > data.Length)
        {
            throw Bad(source, "header_length", $"{headerLength} runs past the end of the image ({data.Length} bytes)");
        }

        uint refcountOrder = BinaryPrimitives.ReadUInt32BigEndian(data[O.RefcountOrder..]);
        if (refcountOrder > 6)
        {
            throw Bad(source, "refcount_order", $"{refcountOrder} is over 6 (64-bit refcounts)");
        }

        return header with
        {
            IncompatibleFeatures = (Qcow2IncompatibleFeatures)BinaryPrimitives.ReadUInt64BigEndian(data[O.IncompatibleFeatures..]),
            CompatibleFeatures = (Qcow2CompatibleFeatures)BinaryPrimitives.ReadUInt64BigEndian(data[O.CompatibleFeatures..]),
            AutoclearFeatures = (Qcow2AutoclearFeatures)BinaryPrimitives.ReadUInt64BigEndian(data[O.AutoclearFeatures..]),
            RefcountOrder = (int)refcountOrder,
            HeaderLength = (int)headerLength,
            CompressionType = headerLength > O.CompressionType ? data[O.CompressionType] : (byte)0,
        };
    }

    private static void CheckFixedFields(Qcow2Header h, string source)
    {
        if (h.CryptMethod > 2)
        {
            throw Bad(source, "crypt_method", $"{h.CryptMethod} is not 0 (none), 1 (AES) or 2 (LUKS)");
        }

        if (h.CompressionType > 1)
        {
            throw Bad(source, "compression_type", $"{h.CompressionType} is not 0 (zlib) or 1 (zstd)");
        }

        if ((h.CompressionType != 0) != h.IncompatibleFeatures.HasFlag(Qcow2IncompatibleFeatures.CompressionType))
        {
            throw Bad(source, "compression_type", $"{h.CompressionType} disagrees with incompatible feature bit 3");
        }

        CheckAligned(h.L1TableOffset, h, source, "l1_table_offset");
        CheckAligned(h.RefcountTableOffset, h, source, "refcount_table_offset");
        if (h.NbSnapshots != 0)
        {
            CheckAligned(h.SnapshotsOffset, h, source, "snapshots_offset");
        }

        if ((long)h.L1Size * 8 > Qcow2Header.MaxL1Bytes)
        {
            throw Bad(source, "l1_size", $"{h.L1Size} entries is over qemu's {Qcow2Header.MaxL1Bytes} byte L1 limit");
        }

        if ((long)h.RefcountTableClusters * h.ClusterSize > Qcow2Header.MaxRefcountTableBytes)
        {
            throw Bad(source, "refcount_table_clusters", $"{h.RefcountTableClusters} is over qemu's {Qcow2Header.MaxRefcountTableBytes} byte limit");
        }

        if (h.NbSnapshots > Qcow2Header.MaxSnapshots)
        {
            throw Bad(source, "nb_snapshots", $"{h.NbSnapshots} is over {Qcow2Header.MaxSnapshots}");
        }
    }

    private static (long Offset, int Size, string? Name) ReadBackingFile(ReadOnlySpan<byte> data, int headerLength, int clusterSize, string source)
    {
        ulong offset = BinaryPrimitives.ReadUInt64BigEndian(data[O.BackingFileOffset..]);
        uint size = BinaryPrimitives.ReadUInt32BigEndian(data[O.BackingFileSize..]);
        if (offset == 0)
        {
            // qemu ignores backing_file_size when there is no backing file.
            return (0, (int)Math.Min(size, int.MaxValue), null);
        }

        if (offset > (ulong)clusterSize)
        {
            throw Bad(source, "backing_file_offset", $"{offset} is past the header cluster ({clusterSize} bytes)");
        }

        if (offset < (ulong)headerLength)
        {
            throw Bad(source, "backing_file_offset", $"{offset} overlaps the {headerLength}-byte header");
        }

        if (size > Qcow2Header.MaxNameLength)
        {
            throw Bad(source, "backing_file_size", $"{size} is over {Qcow2Header.MaxNameLength}");
        }

        if (offset + size > (ulong)clusterSize)
        {
            throw Bad(source, "backing_file_offset", $"the name at {offset} ({size} bytes) runs past the header cluster ({clusterSize} bytes)");
        }

        if (offset + size > (ulong)data.Length)
        {
            throw Bad(source, "backing_file_offset", $"the name at {offset} ({size} bytes) runs past the end of the image ({data.Length} bytes)");
        }

        return ((long)offset, (int)size, Text(data.Slice((int)offset, (int)size), source, "backing file name"));
    }

    private static ImmutableArray<Qcow2HeaderExtension> ReadExtensions(ReadOnlySpan<byte> data, int start, int end, string source)
    {
        var list = ImmutableArray.CreateBuilder<Qcow2HeaderExtension>();
        int at = start;
        while (at < end)
        {
            // qemu also accepts an extension area that reaches its end without a terminator.
            if (at + 8 > end)
            {
                throw Bad(source, $"header extension at {at}", $"its 8-byte type and length run past the extension area end {end}");
            }

            if (at + 8 > data.Length)
            {
                throw Bad(source, $"header extension at {at}", $"runs past the end of the image ({data.Length} bytes)");
            }

            uint type = BinaryPrimitives.ReadUInt32BigEndian(data[at..]);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[(at + 4)..]);
            if (type == Qcow2Header.EndOfExtensions)
            {
                break;
            }

            string field = $"header extension 0x{type:x8} at {at}";
            if (length > (uint)(end - at - 8))
            {
                throw Bad(source, field, $"length {length} runs past the extension area end {end}");
            }

            if (at + 8 + length > data.Length)
            {
                throw Bad(source, field, $"length {length} runs past the end of the image ({data.Length} bytes)");
            }

            var payload = data.Slice(at + 8, (int)length);
            CheckKnownExtension(type, payload, source, field);
            list.Add(new Qcow2HeaderExtension(type, payload));
            at += 8 + Align8((int)length);
        }

        return list.ToImmutable();
    }

    private static void CheckKnownExtension(uint type, ReadOnlySpan<byte> payload, string source, string field)
    {
        switch (type)
        {
            case Qcow2Header.BackingFormatExtension:
            case Qcow2Header.ExternalDataFileExtension:
                if (payload.Length > Qcow2Header.MaxNameLength)
                {
                    throw Bad(source, field, $"length {payload.Length} is over {Qcow2Header.MaxNameLength}");
                }

                _ = Text(payload, source, field);
                break;
            case Qcow2Header.FeatureNameTableExtension:
                if (payload.Length % Qcow2Header.FeatureNameEntrySize != 0)
                {
                    throw Bad(source, field, $"length {payload.Length} is not a multiple of {Qcow2Header.FeatureNameEntrySize}");
                }

                break;
        }
    }

    private static string Text(ReadOnlySpan<byte> bytes, string source, string field)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Bad(source, field, "is not valid UTF-8");
        }
    }

    private static long Signed(ReadOnlySpan<byte> data, int offset, string source, string field)
    {
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(data[offset..]);
        return value <= long.MaxValue ? (long)value : throw Bad(source, field, $"{value} is out of range");
    }

    private static void CheckAligned(long offset, Qcow2Header h, string source, string field)
    {
        if (offset % h.ClusterSize != 0)
        {
            throw Bad(source, field, $"{offset} is not aligned to the {h.ClusterSize}-byte cluster");
        }
    }

    private static int Align8(int length) => (length + 7) & ~7;

    private static SanpoolException Bad(string source, string field, string problem) =>
        new(QemuErrors.BadQcow2, $"{source}: qcow2 {field}: {problem}");
}
