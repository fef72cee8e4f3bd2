using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// The header of a qcow2 image, decoded natively so that Sanpool can judge an image (its
/// backing file above all) before handing it to any qemu process. Every field is big-endian.
/// Layout (qcow2 specification, docs/interop/qcow2.txt in qemu), offsets chained below in
/// <see cref="Offsets"/>:
/// <code>
///   0  magic                    u32  "QFI\xfb" (0x514649fb)
///   4  version                  u32  2 or 3
///   8  backing_file_offset      u64  where the backing file name is, 0 = no backing file;
///                                    must lie in the first cluster
///  16  backing_file_size        u32  name length in bytes, at most 1023, no terminating NUL
///  20  cluster_bits             u32  9 .. 21 (512 B .. 2 MiB clusters)
///  24  size                     u64  virtual disk size in bytes
///  32  crypt_method             u32  0 none, 1 AES (legacy), 2 LUKS
///  36  l1_size                  u32  entries in the active L1 table
///  40  l1_table_offset          u64  cluster aligned
///  48  refcount_table_offset    u64  cluster aligned
///  56  refcount_table_clusters  u32
///  60  nb_snapshots             u32
///  64  snapshots_offset         u64  cluster aligned
///  -- version 2 ends here (72 bytes); version 3 goes on --
///  72  incompatible_features    u64  see Qcow2IncompatibleFeatures
///  80  compatible_features      u64  see Qcow2CompatibleFeatures
///  88  autoclear_features       u64  see Qcow2AutoclearFeatures
///  96  refcount_order           u32  refcount width = 1 &lt;&lt; order bits, order 0 .. 6 (v2: 4)
/// 100  header_length            u32  104 or more (qemu 7.2 writes 112), at most one cluster
/// 104  compression_type         u8   present when header_length > 104: 0 zlib, 1 zstd;
///                                    7 bytes of padding follow
/// </code>
/// Header extensions follow at header_length (v3) or at 72 (v2), each
/// <c>type u32, length u32, data[length]</c> padded with zeros to a multiple of 8, up to the
/// backing file name (or the end of the first cluster if there is none). Type 0 ends the list.
/// Interpreted here: 0xE2792ACA backing file format name (e.g. "raw", "qcow2") and 0x6803f857
/// feature name table (48-byte entries: type u8, bit u8, name[46]); 0x44415441 (external data
/// file name) is exposed raw; all others are kept verbatim and skipped. qemu places the
/// backing file name right after the end-of-extensions marker.
/// <para>
/// <see cref="Read"/> refuses, with BAD_QCOW2 naming the field, what qemu would refuse and
/// what would make a reader look outside the header cluster: bad magic or version, cluster
/// bits out of range, a header or backing name or extension running off the header cluster or
/// the data, names over 1023 bytes, misaligned table offsets.
/// </para>
/// </summary>
public sealed record Qcow2Header
{
    /// <summary>"QFI\xfb" read as a big-endian u32.</summary>
    public const uint Magic = 0x514649FB;

    public const int MinClusterBits = 9;
    public const int MaxClusterBits = 21;

    /// <summary>qemu's limit on the backing file name, and ours on any string in the header.</summary>
    public const int MaxNameLength = 1023;

    public const uint EndOfExtensions = 0;
    public const uint BackingFormatExtension = 0xE2792ACA;
    public const uint FeatureNameTableExtension = 0x6803F857;
    public const uint ExternalDataFileExtension = 0x44415441;

    /// <summary>A feature name table entry: type u8, bit u8, name[46].</summary>
    public const int FeatureNameEntrySize = 48;

    /// <summary>Bounds qemu 7.2 puts on the tables (QCOW_MAX_L1_SIZE, QCOW_MAX_REFTABLE_SIZE, QCOW_MAX_SNAPSHOTS).</summary>
    public const long MaxL1Bytes = 32L * 1024 * 1024;
    public const long MaxRefcountTableBytes = 8L * 1024 * 1024;
    public const int MaxSnapshots = 65536;

    /// <summary>How much <see cref="ReadAsync(string, CancellationToken)"/> reads first: the whole header cluster of a default image.</summary>
    private const int FirstReadLength = 64 * 1024;

    /// <summary>Field offsets, each the previous offset plus the previous length.</summary>
    public static class Offsets
    {
        public const int Magic = 0;
        public const int Version = Magic + 4;
        public const int BackingFileOffset = Version + 4;
        public const int BackingFileSize = BackingFileOffset + 8;
        public const int ClusterBits = BackingFileSize + 4;
        public const int Size = ClusterBits + 4;
        public const int CryptMethod = Size + 8;
        public const int L1Size = CryptMethod + 4;
        public const int L1TableOffset = L1Size + 4;
        public const int RefcountTableOffset = L1TableOffset + 8;
        public const int RefcountTableClusters = RefcountTableOffset + 8;
        public const int NbSnapshots = RefcountTableClusters + 4;
        public const int SnapshotsOffset = NbSnapshots + 4;

        /// <summary>End of the version 2 header (72).</summary>
        public const int V2End = SnapshotsOffset + 8;

        public const int IncompatibleFeatures = V2End;
        public const int CompatibleFeatures = IncompatibleFeatures + 8;
        public const int AutoclearFeatures = CompatibleFeatures + 8;
        public const int RefcountOrder = AutoclearFeatures + 8;
        public const int HeaderLength = RefcountOrder + 4;

        /// <summary>The shortest version 3 header (104).</summary>
        public const int V3MinEnd = HeaderLength + 4;

        public const int CompressionType = V3MinEnd;

        /// <summary>The header qemu 7.2 writes: compression type plus 7 bytes of padding (112).</summary>
        public const int V3End = CompressionType + 1 + 7;
    }

    public int Version { get; init; } = 3;

    /// <summary>Where the backing file name was stored (0 when there is none). <see cref="Write"/> recomputes it.</summary>
    public long BackingFileOffset { get; init; }

    /// <summary>The stored name's length in bytes. <see cref="Write"/> recomputes it.</summary>
    public int BackingFileSize { get; init; }

    public int ClusterBits { get; init; } = 16;

    /// <summary>Virtual size in bytes.</summary>
    public long Size { get; init; }

    public uint CryptMethod { get; init; }

    public uint L1Size { get; init; }

    public long L1TableOffset { get; init; }

    public long RefcountTableOffset { get; init; }

    public uint RefcountTableClusters { get; init; }

    public uint NbSnapshots { get; init; }

    public long SnapshotsOffset { get; init; }

    public Qcow2IncompatibleFeatures IncompatibleFeatures { get; init; }

    public Qcow2CompatibleFeatures CompatibleFeatures { get; init; }

    public Qcow2AutoclearFeatures AutoclearFeatures { get; init; }

    public int RefcountOrder { get; init; } = 4;

    /// <summary>72 for version 2; 104 or more for version 3.</summary>
    public int HeaderLength { get; init; } = Offsets.V3End;

    /// <summary>0 zlib, 1 zstd (meaningful when <see cref="HeaderLength"/> &gt; 104).</summary>
    public byte CompressionType { get; init; }

    /// <summary>Header extensions in stored order, end marker excluded.</summary>
    public ImmutableArray<Qcow2HeaderExtension> Extensions { get; init; } = [];

    /// <summary>The backing file name exactly as stored (decoded as UTF-8), or null.</summary>
    public string? BackingFile { get; init; }

    public long ClusterSize => 1L << ClusterBits;

    public int RefcountBits => 1 << RefcountOrder;

    public bool IsDirty => IncompatibleFeatures.HasFlag(Qcow2IncompatibleFeatures.Dirty);

    public bool IsCorrupt => IncompatibleFeatures.HasFlag(Qcow2IncompatibleFeatures.Corrupt);

    /// <summary>Incompatible bits qemu does not know: such an image cannot be opened at all.</summary>
    public Qcow2IncompatibleFeatures UnknownIncompatibleFeatures => IncompatibleFeatures & ~Qcow2IncompatibleFeatures.Known;

    /// <summary>The backing format extension's text ("raw", "qcow2"), or null when absent.</summary>
    public string? BackingFormat =>
        Find(BackingFormatExtension) is { } ext ? Encoding.UTF8.GetString(ext.Data.Span) : null;

    /// <summary>The external data file name extension's text, or null: another file this image reads.</summary>
    public string? ExternalDataFile =>
        Find(ExternalDataFileExtension) is { } ext ? Encoding.UTF8.GetString(ext.Data.Span) : null;

    /// <summary>The feature name table, empty when the image has none.</summary>
    public IReadOnlyList<Qcow2FeatureName> FeatureNames
    {
        get
        {
            if (Find(FeatureNameTableExtension) is not { } ext)
            {
                return [];
            }

            var span = ext.Data.Span;
            var names = new List<Qcow2FeatureName>(span.Length / FeatureNameEntrySize);
            for (int at = 0; at + FeatureNameEntrySize <= span.Length; at += FeatureNameEntrySize)
            {
                var name = span.Slice(at + 2, FeatureNameEntrySize - 2);
                int nul = name.IndexOf((byte)0);
                names.Add(new Qcow2FeatureName(span[at], span[at + 1], Encoding.ASCII.GetString(nul < 0 ? name : name[..nul])));
            }

            return names;
        }
    }

    /// <summary>A copy naming another backing file and format (null, null: no backing file).</summary>
    public Qcow2Header WithBacking(string? backingFile, string? backingFormat)
    {
        var extensions = Extensions.RemoveAll(e => e.Type == BackingFormatExtension);
        if (backingFormat is not null)
        {
            // qemu writes the backing format first; keep that order so Write matches qemu.
            extensions = extensions.Insert(0, new Qcow2HeaderExtension(BackingFormatExtension, Encoding.UTF8.GetBytes(backingFormat)));
        }

        return this with { BackingFile = backingFile, Extensions = extensions };
    }

    /// <summary>
    /// Decodes a header from the first bytes of an image: at least the fixed header, ideally the
    /// whole first cluster (extensions and the backing name must lie inside <paramref name="data"/>).
    /// </summary>
    /// <param name="source">Names the image in errors.</param>
    /// <exception cref="SanpoolException">BAD_QCOW2 naming the offending field.</exception>
    public static Qcow2Header Read(ReadOnlySpan<byte> data, string source = "qcow2 image") =>
        Qcow2HeaderCodec.Read(data, source);

    /// <summary>
    /// Encodes this header as qemu lays it out: fixed fields, extensions, end marker, then the
    /// backing file name. Bytes up to the returned length are overwritten (padding zeroed); the
    /// rest of <paramref name="destination"/> is untouched.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public int Write(Span<byte> destination) => Qcow2HeaderCodec.Write(this, destination);

    /// <summary>How many bytes <see cref="Write"/> needs.</summary>
    public int EncodedLength => Qcow2HeaderCodec.EncodedLength(this);

    /// <summary>Reads and decodes the header of the image on <paramref name="device"/> (sector-aligned reads).</summary>
    public static async Task<Qcow2Header> ReadAsync(BlockIO.IBlockDevice device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        long usable = device.Size - (device.Size % device.SectorSize);
        int length = (int)Math.Min(Math.Max(FirstReadLength, device.SectorSize), usable);
        var buffer = new byte[Math.Max(length, 0)];
        await device.ReadAsync(0, buffer, cancellationToken).ConfigureAwait(false);
        int wanted = (int)Math.Min(HeaderClusterSize(buffer), usable);
        if (wanted > buffer.Length)
        {
            buffer = new byte[wanted];
            await device.ReadAsync(0, buffer, cancellationToken).ConfigureAwait(false);
        }

        return Read(buffer, device.Path);
    }

    /// <summary>Reads and decodes the header of the image file or device at <paramref name="path"/>.</summary>
    public static async Task<Qcow2Header> ReadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        var buffer = new byte[FirstReadLength];
        int got = await ReadFullyAsync(handle, buffer, cancellationToken).ConfigureAwait(false);
        int wanted = HeaderClusterSize(buffer.AsSpan(0, got));
        if (got == buffer.Length && wanted > got)
        {
            buffer = new byte[wanted];
            got = await ReadFullyAsync(handle, buffer, cancellationToken).ConfigureAwait(false);
        }

        return Read(buffer.AsSpan(0, got), path);
    }

    private Qcow2HeaderExtension? Find(uint type)
    {
        foreach (var e in Extensions)
        {
            if (e.Type == type)
            {
                return e;
            }
        }

        return null;
    }

    /// <summary>The cluster size the bytes claim, if plausible; 0 otherwise (Read then reports the real problem).</summary>
    private static int HeaderClusterSize(ReadOnlySpan<byte> data)
    {
        if (data.Length < Offsets.ClusterBits + 4)
        {
            return 0;
        }

        uint bits = BinaryPrimitives.ReadUInt32BigEndian(data[Offsets.ClusterBits..]);
        return bits is >= MinClusterBits and <= MaxClusterBits ? 1 << (int)bits : 0;
    }

    private static async Task<int> ReadFullyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await RandomAccess.ReadAsync(handle, buffer[total..], total, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
