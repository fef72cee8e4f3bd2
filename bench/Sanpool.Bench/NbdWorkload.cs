using System.Globalization;

namespace Sanpool.Bench;

/// <summary>
/// One qemu-img bench run shape: sequential (step = request size) reads or writes of
/// <see cref="RequestBytes"/> with <see cref="Depth"/> requests in flight, <see cref="Count"/>
/// requests. qemu-img bench wraps around at the end of the image.
/// </summary>
internal sealed record NbdWorkload(string Name, bool Write, int RequestBytes, int Depth, int Count)
{
    public long Bytes => (long)RequestBytes * Count;

    public static IReadOnlyList<NbdWorkload> For(long fileBytes)
    {
        int bigCount = (int)Math.Max(256, fileBytes / (1 << 20) * 2);
        return
        [
            new("sequential read, 1 MiB, depth 16", false, 1 << 20, 16, bigCount),
            new("sequential write, 1 MiB, depth 16", true, 1 << 20, 16, bigCount),
            new("sequential read, 4 KiB, depth 16", false, 4096, 16, 40000),
            new("sequential write, 4 KiB, depth 16", true, 4096, 16, 40000),
        ];
    }

    /// <summary>qemu-img bench's arguments for the export at <paramref name="uri"/>.</summary>
    public IEnumerable<string> Arguments(string uri)
    {
        string size = RequestBytes.ToString(CultureInfo.InvariantCulture);
        yield return "bench";
        yield return "-f";
        yield return "raw";
        yield return "-c";
        yield return Count.ToString(CultureInfo.InvariantCulture);
        yield return "-d";
        yield return Depth.ToString(CultureInfo.InvariantCulture);
        yield return "-s";
        yield return size;
        yield return "-S";
        yield return size;
        if (Write)
        {
            yield return "-w";
        }

        yield return uri;
    }
}
