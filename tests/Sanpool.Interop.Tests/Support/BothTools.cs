using Sanpool.TestSupport;
namespace Sanpool.Interop.Tests.Support;

/// <summary>Reads the same storage with both tools and asserts they print the same thing.</summary>
internal static class BothTools
{
    /// <summary><c>sanlock direct dump</c> and <c>sanpool lease dump</c>, line for line, at force levels 0, 1 and 2.</summary>
    public static async Task AssertSameDumpAsync(string path)
    {
        foreach (string[] force in new[] { Array.Empty<string>(), ["-f", "1"], ["-f", "2"] })
        {
            string theirs = await SanlockCli.DirectAsync(["dump", path, .. force]);
            string ours = await SanpoolCli.OutputAsync(["lease", "dump", path, .. force]);
            Assert.Equal(DumpLine.Lines(theirs), DumpLine.Lines(ours));
        }
    }

    /// <summary>
    /// <c>sanlock direct read_leader</c> and <c>sanpool lease read-leader</c> of the same record:
    /// the same fields, in the same order, with the same values. Returns them.
    /// </summary>
    public static async Task<LeaderFields> AssertSameLeaderAsync(string flag, string spec)
    {
        var theirs = LeaderFields.Parse(await SanlockCli.DirectAsync("read_leader", flag, spec));
        var ours = LeaderFields.Parse(await SanpoolCli.OutputAsync("lease", "read-leader", flag, spec));
        Assert.Equal(flag == "-s" ? LeaderFields.DeltaNames : LeaderFields.PaxosNames, theirs.Names);
        Assert.Equal(theirs.ToString(), ours.ToString());
        return ours;
    }

    /// <summary>Byte-for-byte (expected: what sanlock wrote, or what was there before); on a difference names the first differing offset instead of printing megabytes.</summary>
    public static void AssertSameBytes(byte[] expected, byte[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int first = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(first == expected.Length,
            $"{what}: first difference at byte {first} (sector {first / 512} of 512, {first / 4096} of 4096): " +
            $"expected 0x{expected[Math.Min(first, expected.Length - 1)]:x2}, found 0x{actual[Math.Min(first, actual.Length - 1)]:x2}");
    }
}
