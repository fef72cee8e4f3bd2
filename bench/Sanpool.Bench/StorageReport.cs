using System.Globalization;
using System.Text;

namespace Sanpool.Bench;

/// <summary>The storage suite's results as Markdown: the setup, the snapshot table, the big-domain table, notes.</summary>
internal static class StorageReport
{
    public static string Format(BenchOptions options, StorageResults r)
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

        Line($"# Sanpool storage benchmark");
        Line($"");
        Line($"{r.Setup}");
        Line($"");
        Line($"## Snapshot create on a block domain ({r.SnapshotDomainLvs} LVs; {options.SnapshotRounds} rounds per path after {SnapshotBench.Warmup} warm-up, each followed by one anchor round)");
        Line($"");
        Line($"| path | rounds | median ms | p90 ms | p99 ms | min ms | max ms | median / anchor | p90 / anchor |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var anchor = r.Snapshot[^1];
        foreach (var s in r.Snapshot)
        {
            Line($"| {s.Name} | {s.Rounds} | {s.Median:0.0} | {s.P90:0.0} | {s.P99:0.0} | {s.Min:0.0} | {s.Max:0.0} | {s.Median / anchor.Median:0.00} | {s.P90 / anchor.P90:0.00} |");
        }

        double perVolume = r.Build.TotalMilliseconds / r.Volumes;
        Line($"");
        Line($"## A domain of {r.Volumes} volumes ({r.Images} images: a 1 GiB RAW base and up to {VolumeFleet.SnapshotsPerImage} qcow2 snapshots each; {options.ListRounds} rounds after 1 warm-up)");
        Line($"");
        Line($"Built through the library (one writer, `CreateImage` and `CreateSnapshot`) in {r.Build.TotalSeconds:0.0} s, {perVolume:0} ms per volume; `domain check` passes clean.");
        Line($"");
        Line($"| command | rounds | median ms | p90 ms | min ms | max ms | median / lvs |");
        Line($"|---|---:|---:|---:|---:|---:|---:|");
        var lvs = r.Inventory[^1];
        foreach (var s in r.Inventory)
        {
            Line($"| {s.Name} | {s.Rounds} | {s.Median:0.0} | {s.P90:0.0} | {s.Min:0.0} | {s.Max:0.0} | {s.Median / lvs.Median:0.00} |");
        }

        Line($"");
        foreach (string note in Notes(options))
        {
            Line($"- {note}");
        }

        return md.ToString();
    }

    private static IEnumerable<string> Notes(BenchOptions options)
    {
        yield return $"Snapshot anchor: `{StorageAnchor.LvCreateLine}` then `{StorageAnchor.QemuImgCreateLine}`, of the snapshot's LV size " +
                     "(128 MiB) and capacity (10 GiB), each run as Sanpool runs its tools; its LV and file are removed again between rounds, untimed. " +
                     "Without device-mapper the LV cannot be opened as a device, so the anchor's qcow2 is a file next to its parent on the file system " +
                     "that holds the LUN; Sanpool writes its header into the LV through its FUSE data path.";
        yield return $"Listing anchor: `{StorageAnchor.LvsLine}`. CFG is the `--config` Sanpool passes every lvm command: a filter accepting only the " +
                     "domain's device, activation=0, no hints, no udev, no backups.";
        yield return "CLI rows time the whole process (the `sanpool` binary in artifacts/cli, not the ./sanpool wrapper), from start to exit; " +
                     $"the snapshot one pays the writer's host id join (io_timeout {options.Io}) and SPM lease each time.";
        yield return "Library rows of the big domain open the store afresh each round (as each CLI command does); the snapshot library row reuses one writer.";
        if (options.SnapshotRounds < 100)
        {
            yield return $"With {options.SnapshotRounds} rounds, p99 (nearest rank) is the slowest round.";
        }
    }
}
