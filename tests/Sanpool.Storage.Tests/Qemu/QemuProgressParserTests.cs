using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Tests.Qemu;

public class QemuProgressParserTests
{
    /// <summary>What <c>qemu-img convert -p</c> printed on stdout here (qemu 7.2), byte for byte.</summary>
    private const string ConvertOutput = "    (0.00/100%)\r    (1.01/100%)\r    (50.50/100%)\r    (100.00/100%)\r    (100.00/100%)\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Updates_split_across_chunks_are_reported_once_each_in_order(int chunkSize)
    {
        var seen = new List<double>();
        var parser = new QemuProgressParser(seen.Add);

        for (int i = 0; i < ConvertOutput.Length; i += chunkSize)
        {
            parser.Feed(ConvertOutput.AsSpan(i, Math.Min(chunkSize, ConvertOutput.Length - i)));
        }

        parser.Finish();
        Assert.Equal([0.0, 1.01, 50.5, 100.0], seen);
    }

    [Fact]
    public void Other_output_is_ignored_and_progress_never_goes_back()
    {
        var seen = new List<double>();
        var parser = new QemuProgressParser(seen.Add);

        parser.Feed("    (10.00/100%)\r    (5.00/100%)\rImage committed.\n(101.00/100%)\r(abc/100%)\r    (20.00/100%)");
        parser.Finish();

        Assert.Equal([10.0, 20.0], seen);
        Assert.Equal(20.0, parser.Last);
    }
}
