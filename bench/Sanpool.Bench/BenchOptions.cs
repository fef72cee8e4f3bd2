using System.Globalization;

namespace Sanpool.Bench;

/// <summary>
/// Command line: <c>[--suite all|leases|storage|pool|nbd|thin|thin-measured|mailbox|engine] [--io SECONDS] [--rounds N] [--warmup N]
/// [--takeover both|sanpool|none] [--out FILE] [--snapshot-rounds N] [--volumes N]
/// [--list-rounds N] [--storage-out FILE] [--failover IO:REPS,...|none] [--pool-out FILE] [--nbd-rounds N] [--nbd-size-mib N] [--nbd-out FILE] [--thin-latencies FILE] [--thin-out FILE] [--thin-disk-gib N] [--thin-steps N] [--thin-measured-out FILE] [--engine-rounds N] [--disks N] [--engine-volumes N] [--engine-failovers N] [--engine-parts jobs,lists,reconcile,failover] [--engine-out FILE]</c>.
/// </summary>
internal sealed record BenchOptions
{
    private const string Usage =
        "usage: [--suite all|leases|storage|pool|nbd|thin|thin-measured|mailbox|engine] [--io 1] [--rounds 300] [--warmup 20] [--takeover both|sanpool|none] [--out FILE] " +
        "[--snapshot-rounds 20] [--volumes 1000] [--list-rounds 5] [--storage-out FILE] [--failover 1:3,2:2,10:1|none] [--pool-out FILE] [--nbd-rounds 3] [--nbd-size-mib 1024] [--nbd-out FILE] [--thin-latencies FILE] [--thin-out FILE] [--thin-disk-gib 4] [--thin-steps 5] [--thin-measured-out FILE] " +
        "[--engine-rounds 10] [--disks 1000] [--engine-volumes 1000] [--engine-failovers 1] [--engine-parts jobs,lists,reconcile,failover] [--engine-out FILE]";

    /// <summary>
    /// Which benchmarks run: leases (against sanlock), storage (against lvm and qemu-img), pool
    /// (SPM failover against host_dead, structural verbs through the agent), or all.
    /// </summary>
    public string Suite { get; init; } = "all";

    public int Io { get; init; } = 1;

    public int Rounds { get; init; } = 300;

    public int Warmup { get; init; } = 20;

    /// <summary>Which takeover runs to do: both (Sanpool and the sanlock anchor), sanpool, or none.</summary>
    public string Takeover { get; init; } = "both";

    /// <summary>Where the lease table is written besides stdout (default: bench/results/latest.md of the checkout).</summary>
    public string? Out { get; init; }

    /// <summary>Timed snapshot creations per Sanpool path (library, CLI, and in the pool suite the agent), each followed by one anchor round.</summary>
    public int SnapshotRounds { get; init; } = 20;

    /// <summary>Volumes in the domain that dump-volume-chains and domain check read.</summary>
    public int Volumes { get; init; } = 1000;

    /// <summary>Timed runs of each listing (lvs, dump-volume-chains, domain check) over that domain.</summary>
    public int ListRounds { get; init; } = 5;

    /// <summary>Where the storage tables are written besides stdout (default: bench/results/storage.md of the checkout).</summary>
    public string? StorageOut { get; init; }

    /// <summary>The pool suite's failover runs: kill -9 of the SPM this many times at each io_timeout, one local pool per io_timeout.</summary>
    public IReadOnlyList<(int Io, int Repetitions)> Failover { get; init; } = [(1, 3), (2, 2), (10, 1)];

    /// <summary>Where the pool tables are written besides stdout (default: bench/results/pool.md of the checkout).</summary>
    public string? PoolOut { get; init; }

    /// <summary>Measured extension latencies (ms, one per line) the thin simulation also draws from.</summary>
    public string? ThinLatencies { get; init; }

    /// <summary>Where the thin table is written besides stdout (default: bench/results/thin.md of the checkout).</summary>
    public string? ThinOut { get; init; }

    public bool RunsThin => Suite is "all" or "thin";

    /// <summary>The measured thin suite: the disk qemu-io writes end to end, GiB.</summary>
    public int ThinDiskGiB { get; init; } = 4;

    /// <summary>The measured thin suite: bisection steps per policy after the first run at the top rate.</summary>
    public int ThinSteps { get; init; } = 5;

    /// <summary>Where the measured thin table is written besides stdout (default: bench/results/thin-measured.md of the checkout).</summary>
    public string? ThinMeasuredOut { get; init; }

    public bool RunsThinMeasured => Suite is "all" or "thin-measured";

    public bool RunsLeases => Suite is "all" or "leases";

    public bool RunsStorage => Suite is "all" or "storage";

    public bool RunsPool => Suite is "all" or "pool";

    /// <summary>The NBD suite: rounds per backing and server, and the size of the served file.</summary>
    public int NbdRounds { get; init; } = 3;

    public int NbdSizeMiB { get; init; } = 1024;

    /// <summary>Where the NBD table is written besides stdout (default: bench/results/nbd.md of the checkout).</summary>
    public string? NbdOut { get; init; }

    public bool RunsNbd => Suite is "all" or "nbd";

    public bool RunsMailbox => Suite is "all" or "mailbox";

    /// <summary>The engine suite: timed rounds per path and measure (each engine round alternates with its anchor's).</summary>
    public int EngineRounds { get; init; } = 10;

    /// <summary>The engine suite: disks written straight into the engine's database for the list and chain reads, each of <see cref="EngineSuite.VolumesPerDisk"/> volumes.</summary>
    public int Disks { get; init; } = 1000;

    /// <summary>The engine suite: real volumes on the data domain the reconciliation reads (0: no such domain, the part is skipped).</summary>
    public int EngineVolumes { get; init; } = 1000;

    /// <summary>The engine suite: kill -9 of the SPM's agent this many times.</summary>
    public int EngineFailovers { get; init; } = 1;

    /// <summary>The engine suite's parts to run: any of jobs, lists, reconcile, failover.</summary>
    public IReadOnlySet<string> EngineParts { get; init; } = new HashSet<string>(EngineSuite.Parts);

    /// <summary>Where the engine table is written besides stdout (default: bench/results/engine.md of the checkout).</summary>
    public string? EngineOut { get; init; }

    public bool RunsEngine => Suite is "all" or "engine";

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--suite" => o with { Suite = Value() },
                "--io" => o with { Io = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--warmup" => o with { Warmup = Int() },
                "--takeover" => o with { Takeover = Value() },
                "--out" => o with { Out = Value() },
                "--snapshot-rounds" => o with { SnapshotRounds = Int() },
                "--volumes" => o with { Volumes = Int() },
                "--list-rounds" => o with { ListRounds = Int() },
                "--storage-out" => o with { StorageOut = Value() },
                "--failover" => o with { Failover = ParseFailover(Value()) },
                "--pool-out" => o with { PoolOut = Value() },
                "--nbd-rounds" => o with { NbdRounds = Int() },
                "--nbd-size-mib" => o with { NbdSizeMiB = Int() },
                "--nbd-out" => o with { NbdOut = Value() },
                "--thin-latencies" => o with { ThinLatencies = Value() },
                "--thin-out" => o with { ThinOut = Value() },
                "--thin-disk-gib" => o with { ThinDiskGiB = Int() },
                "--thin-steps" => o with { ThinSteps = Int() },
                "--thin-measured-out" => o with { ThinMeasuredOut = Value() },
                "--engine-rounds" => o with { EngineRounds = Int() },
                "--disks" => o with { Disks = Int() },
                "--engine-volumes" => o with { EngineVolumes = Int() },
                "--engine-failovers" => o with { EngineFailovers = Int() },
                "--engine-parts" => o with { EngineParts = new HashSet<string>(Value().Split(',', StringSplitOptions.RemoveEmptyEntries)) },
                "--engine-out" => o with { EngineOut = Value() },
                _ => throw new ArgumentException($"unknown argument {args[i]}; {Usage}"),
            };
        }

        if (o.Suite is not ("all" or "leases" or "storage" or "pool" or "nbd" or "thin" or "thin-measured" or "mailbox" or "engine") || o.Io is < 1 or > 255 || o.Rounds < 1 || o.Takeover is not ("both" or "sanpool" or "none")
            || o.SnapshotRounds < 1 || o.Volumes is < 1 or > 1900 || o.ListRounds < 1 || o.NbdRounds < 1 || o.NbdSizeMiB is < 16 or > 65536
            || o.ThinDiskGiB is < 1 or > 16 || o.ThinSteps is < 0 or > 20
            || o.EngineRounds < 1 || o.Disks is < 1 or > 100_000 || o.EngineVolumes is < 0 or > 1900 || o.EngineFailovers < 0
            || o.EngineParts.Count == 0 || !o.EngineParts.IsSubsetOf(EngineSuite.Parts))
        {
            throw new ArgumentException($"--suite all|leases|storage|pool|nbd|thin|thin-measured|mailbox|engine, --engine-rounds >= 1, --disks 1..100000, --engine-volumes 0..1900, --engine-failovers >= 0, " +
                                        $"--engine-parts of {string.Join(',', EngineSuite.Parts)}, --thin-disk-gib 1..16, --thin-steps 0..20, --nbd-rounds >= 1, --nbd-size-mib 16..65536, --io 1..255, --rounds >= 1, --takeover both|sanpool|none, --snapshot-rounds >= 1, " +
                                        $"--volumes 1..1900 (a domain's lease slots), --list-rounds >= 1; {Usage}");
        }

        return o;
    }

    /// <summary>"1:3,2:2,10:1" (io_timeout:repetitions, each io_timeout once), or "none".</summary>
    private static List<(int Io, int Repetitions)> ParseFailover(string text)
    {
        if (text == "none")
        {
            return [];
        }

        var runs = new List<(int Io, int Repetitions)>();
        foreach (string item in text.Split(','))
        {
            string[] parts = item.Split(':');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int io) || io is < 1 or > 255
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int reps) || reps < 1
                || runs.Any(r => r.Io == io))
            {
                throw new ArgumentException($"--failover takes IO:REPS,... (io_timeout 1..255 s, each once; repetitions >= 1) or none, not '{text}'");
            }

            runs.Add((io, reps));
        }

        return runs;
    }
}
