using System.Globalization;
using System.Text.RegularExpressions;
using Sanpool.Core;
using Sanpool.Storage.Metadata;

namespace Sanpool.Api.Binding;

/// <summary>
/// Volume sizes as users write them, read the same way by the CLI (<c>--size</c>) and by the
/// agent (a request's size, <see cref="PositiveAttribute"/>): bytes, or a whole number with a
/// binary unit, as VDSM and oVirt count disk sizes:
/// <code>
/// 10737418240   bytes (also "10737418240B")
/// 10K 10M 10G 10T           powers of 1024 (any case)
/// 10KiB 10MiB 10GiB 10TiB   the same, spelled as IEC units
/// 10KB 10MB 10GB 10TB       refused: read as decimal (10^9) by most tools and as binary by some,
///                           so neither reading is safe to take silently; the message names both
/// </code>
/// Refused with a message that says what is wrong: not a size, negative, zero, more than
/// <see cref="VolumeMetadata.MaxCapacity"/>, or not a whole number of 512-byte sectors. VDSM
/// keeps capacities in sectors, so a size in between is refused rather than rounded: a disk
/// silently bigger than asked is worse than an error that names the next size that works.
/// Every refusal is INVALID_ARGUMENT.
/// </summary>
public static partial class SizeParser
{
    public const int Sector = 512;

    /// <summary>What <c>--help</c> says of sizes.</summary>
    public const string Suffixes = "bytes, or a whole number with K, M, G or T (powers of 1024; KiB, MiB, GiB, TiB are the same; KB, MB, GB, TB are refused as ambiguous)";

    private const string Hint = "give bytes or a whole number with K, M, G or T (powers of 1024), e.g. 10G";

    public static long ParseCapacity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        var m = SizePattern().Match(trimmed);
        if (!m.Success)
        {
            throw CommonErrors.Invalid(
                NegativePattern().IsMatch(trimmed) ? $"size '{text}' is negative; {Hint}"
                : DecimalPattern().Match(trimmed) is { Success: true } d ? Ambiguous(text, d)
                : $"size '{text}' is not a size; {Hint}");
        }

        int shift = m.Groups["unit"].Value.ToUpperInvariant() switch { "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => 0 };
        string digits = m.Groups["n"].Value;
        if (digits.TrimStart('0').Length == 0)
        {
            throw CommonErrors.Invalid($"size '{text}' is zero; an image needs at least one {Sector}-byte sector");
        }

        // Digits too many for UInt128 are too large as well; below 2^51 the shift cannot overflow.
        if (!UInt128.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n > VolumeMetadata.MaxCapacity || n << shift > VolumeMetadata.MaxCapacity)
        {
            throw CommonErrors.Invalid(
                $"size '{text}' is more than the largest image, {VolumeMetadata.MaxCapacity >> 40}T ({VolumeMetadata.MaxCapacity} bytes, qcow2's limit with 64 KiB clusters)");
        }

        long bytes = (long)(n << shift);
        if (bytes % Sector != 0)
        {
            long up = (bytes / Sector + 1) * Sector;
            string instead = up > Sector ? $"{up} (or {up - Sector})" : $"{up}";
            throw CommonErrors.Invalid($"size '{text}' is {bytes} bytes, not a whole number of {Sector}-byte sectors; give {instead}");
        }

        return bytes;
    }

    /// <summary>"10GB": both readings named, so the user picks one.</summary>
    private static string Ambiguous(string text, Match m)
    {
        string n = m.Groups["n"].Value;
        string unit = m.Groups["unit"].Value.ToUpperInvariant();
        return $"size '{text}': {unit}B is ambiguous (10^{unit switch { "K" => 3, "M" => 6, "G" => 9, _ => 12 }} or 2^{unit switch { "K" => 10, "M" => 20, "G" => 30, _ => 40 }}); " +
               $"sizes here are binary, as in VDSM and oVirt: write {n}{unit} or {n}{unit}iB for powers of 1024, or the size in bytes";
    }

    [GeneratedRegex("^(?<n>[0-9]+)(?:(?<unit>[KMGTkmgt])(?:[iI][bB])?|[bB])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex("^(?<n>[0-9]+)(?<unit>[KMGTkmgt])[bB]$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^-[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex NegativePattern();
}
