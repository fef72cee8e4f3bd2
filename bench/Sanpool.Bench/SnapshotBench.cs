using System.Globalization;
using Sanpool.Core.Tools;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// Snapshot create on a block domain, against the anchor "bare lvcreate + qemu-img create" of
/// the same LV size and the same qcow2 (capacity, compat, backing file and format):
/// <list type="bullet">
/// <item>through the library with one <see cref="DomainWriter"/> kept open, as an SPM would;</item>
/// <item>through the one-shot CLI, which becomes the writer for each command (writer lock, host
/// id join, SPM lease) and leaves again.</item>
/// </list>
/// Every Sanpool round snapshots an image of its own (a qcow2 base and nothing else), so the
/// chain does not grow from round to round, and is followed by one anchor round; the anchor's
/// LV and file are taken away again untimed, so both see the same VG.
/// </summary>
internal sealed class SnapshotBench(BenchDomain domain, StorageAnchor anchor, SnapshotAnchorRounds anchorRounds, BenchOptions options, string cli, CancellationToken stop)
{
    /// <summary>The images' virtual size: a small VM disk.</summary>
    public const long Capacity = 10L * 1024 * 1024 * 1024;

    /// <summary>Untimed rounds before each series (JIT, lvm's and qemu-img's first start).</summary>
    public const int Warmup = 2;

    private long _snapshotLvSize;

    /// <summary>LVs in the VG when the timed rounds began (special LVs included).</summary>
    public int LvCount { get; private set; }

    /// <summary>The library row, the CLI row, and the anchor row (every round of <paramref name="anchorRounds"/> so far, interleaved with both).</summary>
    public async Task<IReadOnlyList<LatencyStats>> RunAsync()
    {
        int perPath = Warmup + options.SnapshotRounds;
        var images = await CreateImagesAsync(2 * perPath);
        await anchorRounds.PrepareAsync(_snapshotLvSize);
        LvCount = (await anchor.LvsAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;

        Console.Error.WriteLine($"snapshot create: {options.SnapshotRounds} rounds through the library, each with an anchor round ...");
        var library = await LibraryAsync(images[..perPath]);
        Console.Error.WriteLine($"snapshot create: {options.SnapshotRounds} rounds through the CLI, each with an anchor round ...");
        var command = await CliAsync(images[perPath..]);
        return [library, command, anchorRounds.Stats()];
    }

    /// <summary>Not timed: one qcow2 image per round, made through the library.</summary>
    private async Task<List<Guid>> CreateImagesAsync(int count)
    {
        Console.Error.WriteLine($"snapshot create: making {count} images ...");
        await using var store = await domain.OpenStoreAsync();
        await using var writer = await domain.OpenWriterAsync(store);
        _snapshotLvSize = store.InitialSize(VolumeFormat.COW, AllocationType.SPARSE, Capacity);
        var images = new List<Guid>();
        for (int i = 0; i < count; i++)
        {
            stop.ThrowIfCancellationRequested();
            var image = Guid.NewGuid();
            await CreateImage.RunAsync(writer, new ImageSpec(image, Guid.NewGuid(), Capacity, VolumeFormat.COW, AllocationType.SPARSE), CancellationToken.None);
            images.Add(image);
        }

        return images;
    }

    private async Task<LatencyStats> LibraryAsync(List<Guid> images)
    {
        await using var store = await domain.OpenStoreAsync();
        await using var writer = await domain.OpenWriterAsync(store);
        var samples = await RoundsAsync(images, image => CreateSnapshot.RunAsync(writer, image, Guid.NewGuid(), CancellationToken.None));
        return LatencyStats.From("Sanpool library (`CreateSnapshot`, one `DomainWriter` kept open)", samples);
    }

    private async Task<LatencyStats> CliAsync(List<Guid> images)
    {
        var samples = await RoundsAsync(images, image => ExternalTool.RunAsync(
            [cli, "snapshot", "create", domain.Uuid.ToString(), image.ToString(), "--device", domain.Device, "--host-id", domain.HostId.ToString(CultureInfo.InvariantCulture)],
            new ToolRunOptions { Timeout = TimeSpan.FromMinutes(2), Environment = domain.CliEnvironment }, CancellationToken.None));
        return LatencyStats.From($"Sanpool CLI (`sanpool snapshot create`, one-shot writer, io_timeout {domain.IoTimeout})", samples);
    }

    /// <summary>One Sanpool snapshot and one anchor round per image; the first <see cref="Warmup"/> of each are not kept.</summary>
    private async Task<List<TimeSpan>> RoundsAsync(List<Guid> images, Func<Guid, Task> snapshot)
    {
        var samples = new List<TimeSpan>();
        for (int i = 0; i < images.Count; i++)
        {
            stop.ThrowIfCancellationRequested();
            var sanpool = await Timing.TimeAsync(() => snapshot(images[i]));
            await anchorRounds.RoundAsync(keep: i >= Warmup);
            if (i >= Warmup)
            {
                samples.Add(sanpool);
            }
        }

        return samples;
    }
}
