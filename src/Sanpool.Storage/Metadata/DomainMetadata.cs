using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Sanpool.Core;

namespace Sanpool.Storage.Metadata;

/// <summary>
/// A storage domain's metadata in VDSM's format: <c>KEY=VALUE</c> lines sorted by key, sealed
/// by a last line <c>_SHA_CKSUM=&lt;hex&gt;</c>. The seal is SHA-1 over the sorted
/// <c>KEY=VALUE</c> strings concatenated with no separator (non-ASCII characters as XML
/// character references, as VDSM encodes them). On file domains the lines are the file
/// <c>dom_md/metadata</c>; on block domains each line is a VG tag (<see cref="VgTagCodec"/>).
/// Metadata without a seal is legacy and trusted; a seal that does not match is refused.
/// </summary>
public sealed record DomainMetadata
{
    public const string ChecksumKey = "_SHA_CKSUM";

    public DomainMetadata(IEnumerable<KeyValuePair<string, string>> values)
    {
        Values = values.ToImmutableSortedDictionary(StringComparer.Ordinal);
        foreach (var key in Values.Keys)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key == ChecksumKey || key.Any(char.IsWhiteSpace))
            {
                throw new SanpoolException(StorageErrors.MetadataInvalid, $"domain metadata key '{key}' is not allowed");
            }
        }
    }

    public ImmutableSortedDictionary<string, string> Values { get; }

    public string? this[string key] => Values.GetValueOrDefault(key);

    /// <summary>A copy with one key set (or removed when <paramref name="value"/> is null).</summary>
    public DomainMetadata With(string key, string? value) =>
        new(value is null ? Values.Remove(key) : Values.SetItem(key, value));

    /// <summary>The lines to store: sorted KEY=VALUE, then the seal.</summary>
    public IReadOnlyList<string> ToLines()
    {
        var lines = Values.Select(kv => $"{kv.Key}={kv.Value}").ToList();
        lines.Add($"{ChecksumKey}={Checksum(lines)}");
        return lines;
    }

    /// <summary>Parses stored lines; a broken seal is METADATA_SEAL_BROKEN.</summary>
    public static DomainMetadata Parse(IEnumerable<string> lines, string where)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? declared = null;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd('\0', '\n', '\r');
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..];
            if (key == ChecksumKey)
            {
                declared = value.Trim();
            }
            else
            {
                values[key] = value;
            }
        }

        var md = new DomainMetadata(values);
        if (declared is not null)
        {
            var computed = Checksum(md.Values.Select(kv => $"{kv.Key}={kv.Value}"));
            if (!string.Equals(computed, declared, StringComparison.OrdinalIgnoreCase))
            {
                throw new SanpoolException(StorageErrors.MetadataSealBroken,
                    $"{where}: domain metadata checksum {declared} does not match its content ({computed})");
            }
        }

        return md;
    }

    /// <summary>SHA-1 of the lines concatenated, as lowercase hex.</summary>
    public static string Checksum(IEnumerable<string> sortedLines)
    {
        var text = new StringBuilder();
        foreach (var line in sortedLines)
        {
            foreach (var rune in line.EnumerateRunes())
            {
                text.Append(rune.Value < 128 ? ((char)rune.Value).ToString() : $"&#{rune.Value};");
            }
        }

#pragma warning disable CA5350 // VDSM's _SHA_CKSUM is SHA-1 by format: a checksum against torn writes, not a security boundary
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.ASCII.GetBytes(text.ToString())));
#pragma warning restore CA5350
    }
}
