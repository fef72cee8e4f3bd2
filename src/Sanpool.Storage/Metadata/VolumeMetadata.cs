using System.Globalization;
using System.Text;
using Sanpool.Core;

namespace Sanpool.Storage.Metadata;

/// <summary>
/// A volume's metadata in VDSM's domain format 5: <c>KEY=VALUE\n</c> lines sorted by key, then
/// <c>EOF\n</c>, UTF-8, at most 512 bytes. On block domains it lives in a slot of the metadata
/// LV (<see cref="MetadataSlots"/>) padded with NULs; on file domains in <c>&lt;vol&gt;.meta</c>.
/// <code>
/// CAP=21474836480          capacity in bytes
/// CTIME=1712345678         creation, epoch seconds
/// DESCRIPTION=...          at most 210 characters
/// DISKTYPE=DATA
/// DOMAIN=&lt;sd uuid&gt;
/// FORMAT=COW               RAW | COW
/// GEN=0                    0..999, wraps; 0 when made, one up per change of data the manager asks for (merge into it)
/// IMAGE=&lt;img uuid&gt;
/// LEGALITY=LEGAL           LEGAL | ILLEGAL | FAKE
/// PUUID=&lt;parent uuid&gt;     00000000-0000-0000-0000-000000000000 for a base
/// SEQ=1                    V5
/// TYPE=SPARSE              PREALLOCATED | SPARSE
/// VOLTYPE=LEAF             LEAF | INTERNAL | SHARED
/// EOF
/// </code>
/// </summary>
public sealed record VolumeMetadata
{
    public const int MaxSize = 512;
    public const int MaxDescription = 210;
    public const int MaxGeneration = 999;

    /// <summary>
    /// The largest capacity, 2 PiB: the most qemu-img gives a qcow2 image with its default
    /// 64 KiB clusters (an L1 table of at most 32 MiB, 4 Mi entries, each mapping 512 MiB).
    /// A RAW volume larger than that could never take a snapshot, so no volume is.
    /// </summary>
    public const long MaxCapacity = 1L << 51;

    public static readonly Guid NoParent = Guid.Empty;

    public required Guid Domain { get; init; }
    public required Guid Image { get; init; }
    public Guid Parent { get; init; } = NoParent;
    public required VolumeFormat Format { get; init; }
    public required AllocationType Type { get; init; }
    public VolumeRole Role { get; init; } = VolumeRole.LEAF;
    public string DiskType { get; init; } = "DATA";
    public string Description { get; init; } = "";
    public Legality Legality { get; init; } = Legality.LEGAL;
    public long CTime { get; init; }
    public int Generation { get; init; }
    public long Capacity { get; init; }
    public long Sequence { get; init; } = 1;

    /// <summary>The next generation: 0..999, wrapping as VDSM does.</summary>
    public VolumeMetadata NextGeneration() => this with { Generation = Next(Generation) };

    /// <summary>The generation after <paramref name="generation"/>: 0..999, wrapping as VDSM does.</summary>
    public static int Next(int generation) => (generation + 1) % (MaxGeneration + 1);

    public byte[] ToBytes()
    {
        if (Description.Length > MaxDescription)
        {
            throw new SanpoolException(StorageErrors.MetadataOverflow, $"description is {Description.Length} characters; at most {MaxDescription}");
        }

        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["CAP"] = Capacity.ToString(CultureInfo.InvariantCulture),
            ["CTIME"] = CTime.ToString(CultureInfo.InvariantCulture),
            ["DESCRIPTION"] = Description,
            ["DISKTYPE"] = DiskType,
            ["DOMAIN"] = Domain.ToString(),
            ["FORMAT"] = Format.ToString(),
            ["GEN"] = Generation.ToString(CultureInfo.InvariantCulture),
            ["IMAGE"] = Image.ToString(),
            ["LEGALITY"] = Legality.ToString(),
            ["PUUID"] = Parent.ToString(),
            ["SEQ"] = Sequence.ToString(CultureInfo.InvariantCulture),
            ["TYPE"] = Type.ToString(),
            ["VOLTYPE"] = Role.ToString(),
        };
        var text = string.Concat(fields.Select(kv => $"{kv.Key}={kv.Value}\n")) + "EOF\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > MaxSize)
        {
            throw new SanpoolException(StorageErrors.MetadataOverflow, $"volume metadata is {bytes.Length} bytes; at most {MaxSize}");
        }

        return bytes;
    }

    /// <summary>Parses a record (trailing NULs and anything after EOF ignored). Missing or bad keys: METADATA_INVALID.</summary>
    public static VolumeMetadata Parse(ReadOnlySpan<byte> bytes, string where)
    {
        int nul = bytes.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(nul < 0 ? bytes : bytes[..nul]);
        var md = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("EOF", StringComparison.Ordinal))
            {
                break;
            }

            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                md[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        if (md.ContainsKey("NONE"))
        {
            throw Invalid(where, "the metadata was cleared");
        }

        return new VolumeMetadata
        {
            Domain = Uuid(md, "DOMAIN", where),
            Image = Uuid(md, "IMAGE", where),
            Parent = Uuid(md, "PUUID", where),
            Format = Enum<VolumeFormat>(md, "FORMAT", where),
            Type = Enum<AllocationType>(md, "TYPE", where),
            Role = Enum<VolumeRole>(md, "VOLTYPE", where),
            DiskType = Required(md, "DISKTYPE", where),
            Description = md.GetValueOrDefault("DESCRIPTION", ""),
            Legality = Enum<Legality>(md, "LEGALITY", where),
            CTime = Number(md, "CTIME", where),
            Generation = md.ContainsKey("GEN") ? (int)Number(md, "GEN", where) : 0,
            Capacity = md.ContainsKey("CAP") ? Number(md, "CAP", where) : Number(md, "SIZE", where) * 512,
            Sequence = md.ContainsKey("SEQ") ? Number(md, "SEQ", where) : 0,
        };
    }

    private static string Required(Dictionary<string, string> md, string key, string where) =>
        md.TryGetValue(key, out var v) ? v : throw Invalid(where, $"required key {key} is missing");

    private static Guid Uuid(Dictionary<string, string> md, string key, string where) =>
        Guid.TryParseExact(Required(md, key, where), "D", out var g) ? g : throw Invalid(where, $"{key}={md[key]} is not a UUID");

    private static long Number(Dictionary<string, string> md, string key, string where) =>
        long.TryParse(Required(md, key, where), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid(where, $"{key}={md[key]} is not a number");

    private static T Enum<T>(Dictionary<string, string> md, string key, string where)
        where T : struct, System.Enum =>
        System.Enum.TryParse<T>(Required(md, key, where), ignoreCase: false, out var v) && System.Enum.IsDefined(v)
            ? v
            : throw Invalid(where, $"{key}={md[key]} is not one of {string.Join(", ", System.Enum.GetNames<T>())}");

    private static SanpoolException Invalid(string where, string what) => new(StorageErrors.MetadataInvalid, $"{where}: {what}");
}
