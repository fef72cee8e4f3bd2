using System.Globalization;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>Sizes as users write them: bytes, or a number with K, M, G or T (powers of 1024).</summary>
internal static class SizeParser
{
    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToUpperInvariant().TrimEnd('B').TrimEnd('I');
        int shift = t.Length == 0 ? 0 : t[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        string number = shift == 0 ? t : t[..^1];
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0 || value > (long.MaxValue >> shift))
        {
            throw CommonErrors.Invalid($"size '{text}': give bytes or a whole number with K, M, G or T, e.g. 10G");
        }

        return value << shift;
    }
}
