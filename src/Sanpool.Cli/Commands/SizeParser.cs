using System.Globalization;
using System.Text.RegularExpressions;
using Sanpool.Storage.Metadata;

namespace Sanpool.Cli.Commands;

/// <summary>
/// Volume sizes as users write them: bytes, or a whole number with K, M, G or T (powers of
/// 1024; "10G", "10g", "10GB" and "10GiB" are the same). Refused with a message that says
/// what is wrong: not a size, negative, zero, more than <see cref="VolumeMetadata.MaxCapacity"/>,
/// or not a whole number of 512-byte sectors. VDSM keeps capacities in sectors, so a size in
/// between is refused rather than rounded: a disk silently bigger than asked is worse than an
/// error that names the next size that works.
/// </summary>
internal static partial class SizeParser
{
    public const int Sector = 512;

    private const string Hint = "give bytes or a whole number with K, M, G or T (powers of 1024), e.g. 10G";

    public static long ParseCapacity(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = SizePattern().Match(text.Trim());
        if (!m.Success)
        {
            throw new UsageException(NegativePattern().IsMatch(text.Trim())
                ? $"size '{text}' is negative; {Hint}"
                : $"size '{text}' is not a size; {Hint}");
        }

        int shift = m.Groups["unit"].Value.ToUpperInvariant() switch { "K" => 10, "M" => 20, "G" => 30, "T" => 40, _ => 0 };
        string digits = m.Groups["n"].Value;
        if (digits.TrimStart('0').Length == 0)
        {
            throw new UsageException($"size '{text}' is zero; an image needs at least one {Sector}-byte sector");
        }

        // Digits too many for UInt128 are too large as well; below 2^51 the shift cannot overflow.
        if (!UInt128.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n > VolumeMetadata.MaxCapacity || n << shift > VolumeMetadata.MaxCapacity)
        {
            throw new UsageException(
                $"size '{text}' is more than the largest image, {VolumeMetadata.MaxCapacity >> 40}T ({VolumeMetadata.MaxCapacity} bytes, qcow2's limit with 64 KiB clusters)");
        }

        long bytes = (long)(n << shift);
        if (bytes % Sector != 0)
        {
            long up = (bytes / Sector + 1) * Sector;
            string instead = up > Sector ? $"{up} (or {up - Sector})" : $"{up}";
            throw new UsageException($"size '{text}' is {bytes} bytes, not a whole number of {Sector}-byte sectors; give {instead}");
        }

        return bytes;
    }

    [GeneratedRegex("^(?<n>[0-9]+)(?:(?<unit>[KMGTkmgt])(?:[iI]?[bB])?|[bB])?$", RegexOptions.CultureInvariant)]
    private static partial Regex SizePattern();

    [GeneratedRegex("^-[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex NegativePattern();
}
