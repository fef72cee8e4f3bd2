using System.Diagnostics;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;

namespace Sanpool.Bench;

/// <summary>
/// Fills a block domain with real volumes through the library, one writer open throughout:
/// images of a preallocated RAW base (1 GiB) and <see cref="SnapshotsPerImage"/> qcow2 snapshots
/// on it, as VMs with a few snapshots each look. Every volume is made by the same operations
/// the CLI runs (journal, LV with tags, metadata slot, lease, qcow2 header), so the domain is
/// one that <c>domain check</c> must pass clean.
/// </summary>
internal static class VolumeFleet
{
    public const int SnapshotsPerImage = 4;

    public const long Capacity = 1024L * 1024 * 1024;

    /// <summary>The LUN a fleet of <paramref name="volumes"/> needs: every LV takes whole 128 MiB extents (the file stays sparse).</summary>
    public static long LunSize(int volumes)
    {
        long images = Images(volumes);
        long extents = (images * (Capacity / BlockDomainLayout.ExtentSize)) + (volumes - images) + BlockDomainLayout.SpecialExtents(1024 * 1024) + 16;
        return (extents * BlockDomainLayout.ExtentSize) + (2 * BlockDomainLayout.PvMetadataAreaSize) + BlockDomainLayout.ExtentSize;
    }

    public static int Images(int volumes) => (volumes + SnapshotsPerImage) / (SnapshotsPerImage + 1);

    /// <summary>Makes <paramref name="volumes"/> volumes; returns how long it took. <paramref name="stop"/> is looked at between images.</summary>
    public static async Task<TimeSpan> BuildAsync(BenchDomain domain, int volumes, CancellationToken stop)
    {
        await using var store = await domain.OpenStoreAsync();
        await using var writer = await domain.OpenWriterAsync(store);
        var clock = Stopwatch.StartNew();
        int made = 0;
        while (made < volumes)
        {
            stop.ThrowIfCancellationRequested();
            var image = Guid.NewGuid();
            var spec = new ImageSpec(image, Guid.NewGuid(), Capacity, VolumeFormat.RAW, AllocationType.PREALLOCATED);
            await CreateImage.RunAsync(writer, spec, CancellationToken.None);
            made++;
            for (int s = 0; s < SnapshotsPerImage && made < volumes; s++)
            {
                await CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), CancellationToken.None);
                made++;
            }

            if (made % 100 < SnapshotsPerImage + 1 || made == volumes)
            {
                Console.Error.WriteLine($"  {made} volumes, {clock.Elapsed.TotalSeconds:0} s");
            }
        }

        return clock.Elapsed;
    }
}
