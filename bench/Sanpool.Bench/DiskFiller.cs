using System.Diagnostics;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Engine.Model;

namespace Sanpool.Bench;

/// <summary>
/// Disks written straight into the engine's database through its own store
/// (<c>DiskStore.InsertAsync</c>: the disk, its chain of volumes, their domain map and figures;
/// then each volume's actual size; one transaction per disk), as an inventory of many VMs with a few snapshots each looks: a
/// RAW base and qcow2 snapshots over it, the last one active; each volume with an actual size.
/// No storage is touched: the volumes exist for the database only.
/// </summary>
internal static class DiskFiller
{
    private const long Size = 10L << 30;

    /// <summary>Each volume's allocation: one 128 MiB extent.</summary>
    private const long Actual = 128L << 20;

    /// <summary>Writes <paramref name="disks"/> disks of <paramref name="volumes"/> volumes on <paramref name="domain"/>; returns their ids (by alias) and how long it took.</summary>
    public static async Task<(IReadOnlyList<Guid> Disks, TimeSpan Took)> FillAsync(EngineDatabase db, Guid domain, int disks, int volumes, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        var ids = new List<Guid>(disks);
        var now = DateTimeOffset.UtcNow;
        for (int d = 0; d < disks; d++)
        {
            stop.ThrowIfCancellationRequested();
            var disk = new BaseDisk(Guid.NewGuid(), $"bench-disk-{d:D6}", "a bench disk", false, false, DiskContentType.DATA);
            var chain = new List<Image>(volumes);
            var parent = Guid.Empty;
            for (int v = 0; v < volumes; v++)
            {
                bool leaf = v == volumes - 1;
                var image = new Image(
                    Guid.NewGuid(), now, Size, Guid.Empty, parent, ImageStatus.OK, now, null,
                    v == 0 ? VolumeType.Preallocated : VolumeType.Sparse, v == 0 ? VolumeFormat.RAW : VolumeFormat.COW,
                    disk.DiskId, leaf, leaf ? VolumeClassification.Volume : VolumeClassification.Snapshot, v + 1);
                chain.Add(image);
                parent = image.ImageGuid;
            }

            await db.TransactAsync(
                async s =>
                {
                    await DiskStore.InsertAsync(s, disk, chain, domain, stop);
                    await s.ExecuteAsync(
                        "UPDATE disk_image_dynamic SET actual_size = @actual WHERE image_id IN (SELECT image_guid FROM images WHERE image_group_id = @diskId)",
                        new { actual = Actual, diskId = disk.DiskId },
                        stop);
                },
                stop);

            ids.Add(disk.DiskId);
        }

        return (ids, clock.Elapsed);
    }
}
