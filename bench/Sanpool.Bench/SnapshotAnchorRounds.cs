namespace Sanpool.Bench;

/// <summary>
/// The anchor of a snapshot create: an LV of the snapshot's size made by a bare lvcreate and a
/// qcow2 over a parent made by a bare qemu-img create, timed together; both are taken away
/// again, untimed, so every round sees the same VG. One series is shared by every Sanpool path
/// timed on the same domain (library, CLI, agent), its rounds interleaved with theirs.
/// </summary>
internal sealed class SnapshotAnchorRounds(StorageAnchor anchor, string scratch)
{
    public const string Name = "anchor: `lvcreate` + `qemu-img create -b` (bare)";

    private readonly List<TimeSpan> _samples = [];
    private long _lvSize;

    public int Count => _samples.Count;

    /// <summary>Not timed: the qcow2 parent the anchor's snapshots are made on, and the LV size of a snapshot.</summary>
    public async Task PrepareAsync(long snapshotLvSize)
    {
        _lvSize = snapshotLvSize;
        Directory.CreateDirectory(scratch);
        string parent = Path.Combine(scratch, "parent");
        if (!File.Exists(parent))
        {
            await StorageAnchor.QemuImgBaseAsync(parent, SnapshotBench.Capacity);
        }
    }

    /// <summary>One anchor round; <paramref name="keep"/> false for a warm-up round.</summary>
    public async Task RoundAsync(bool keep)
    {
        if (_lvSize == 0)
        {
            throw new InvalidOperationException("the anchor rounds were not prepared");
        }

        string name = $"anchor-{Guid.NewGuid():N}";
        string file = Path.Combine(scratch, name);
        var elapsed = await Timing.TimeAsync(async () =>
        {
            await anchor.LvCreateAsync(name, _lvSize);
            await StorageAnchor.QemuImgCreateAsync(file, "parent", SnapshotBench.Capacity);
        });
        await anchor.LvRemoveAsync(name);
        File.Delete(file);
        if (keep)
        {
            _samples.Add(elapsed);
        }
    }

    /// <summary>Every kept round so far.</summary>
    public LatencyStats Stats() => LatencyStats.From(Name, _samples);
}
