using System.Globalization;

namespace Sanpool.Interop.Tests.Support;

/// <summary>
/// One lease line of <c>sanlock direct dump</c> / <c>sanpool lease dump</c>:
/// offset, lockspace, resource (a host name for delta leases), timestamp, owner, generation
/// and, for resources, lver.
/// </summary>
internal sealed record DumpLine(long Offset, string Lockspace, string Resource, ulong Timestamp, ulong Owner, ulong Generation, ulong? Lver)
{
    /// <summary>The lease lines of a dump (the header and dblock/shared lines skipped).</summary>
    public static IReadOnlyList<DumpLine> ParseAll(string dump) =>
        [.. Lines(dump).Skip(1).Select(TryParse).OfType<DumpLine>()];

    /// <summary>The output's lines without the final empty one.</summary>
    public static string[] Lines(string output) => output.TrimEnd('\n').Split('\n');

    private static DumpLine? TryParse(string line)
    {
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length is not (6 or 7) || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
        {
            return null;
        }

        return new DumpLine(offset, f[1], f[2], U(f[3]), U(f[4]), U(f[5]), f.Length == 7 ? U(f[6].Split('/')[0]) : null);
    }

    private static ulong U(string s) => ulong.Parse(s, CultureInfo.InvariantCulture);
}
