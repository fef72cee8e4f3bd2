using Sanpool.Pool.Mailbox;

namespace Sanpool.Bench;

/// <summary>
/// The mailbox suite's timed series. Each series starts a fresh SPM server and one client per
/// requesting host; in every round all hosts ask at once (each for its own volume) and each
/// host's request-to-reply time is one sample. Rounds are 100 ms apart, so both sides have
/// backed off to their idle polling when a round starts, as with sporadic real requests.
/// </summary>
internal sealed class MailboxBench(MailboxBenchRig rig, CancellationToken stop)
{
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(100);
    public const int WarmupRounds = 1;
    private const long ExtentMiB = MailboxBenchRig.ExtentSize / (1024 * 1024);

    private static readonly Guid Domain = Guid.NewGuid();
    private readonly Dictionary<int, long> _lvSizeMiB = [];
    private long _fakeSizeMiB = ExtentMiB;

    /// <summary>Mailbox round trips; <paramref name="lvextend"/>: the handler runs a real lvextend by one extent; <paramref name="hints"/>: Requested/Replied wired to Wake as the agent will.</summary>
    public async Task<List<TimeSpan>> RoundTripsAsync(int hosts, int rounds, bool lvextend, bool hints)
    {
        var options = new MailboxOptions { MaxHostId = Math.Max(250, hosts) };
        var server = rig.Server(new MailboxLvHandler(lvextend ? rig.Lvm : null, rig.Vg), options);
        using var serverStop = new CancellationTokenSource();
        var serving = Task.Run(() => server.RunAsync(serverStop.Token));
        var clients = Enumerable.Range(1, hosts).Select(h => rig.Client(h, options)).ToArray();
        if (hints)
        {
            foreach (var c in clients)
            {
                c.Requested = server.Wake;
            }

            server.Replied = h => clients[h - 1].Wake();
        }

        var samples = new List<TimeSpan>();
        try
        {
            for (int round = 0; round < WarmupRounds + rounds; round++)
            {
                stop.ThrowIfCancellationRequested();
                await Task.Delay(Gap, stop);
                var times = await Task.WhenAll(clients.Select(c => Timing.TimeAsync(() => c.ExtendAsync(Next(c.HostId, lvextend), null, stop))));
                if (round >= WarmupRounds)
                {
                    samples.AddRange(times);
                }
            }
        }
        finally
        {
            foreach (var c in clients)
            {
                await c.DisposeAsync();
            }

            await serverStop.CancelAsync();
            try
            {
                await serving;
            }
            catch (OperationCanceledException)
            {
                // How RunAsync ends.
            }
        }

        return samples;
    }

    /// <summary>The anchor: bare <c>lvextend</c> by one extent, one at a time, through <see cref="Storage.Lvm.LvmCommand"/>.</summary>
    public async Task<List<TimeSpan>> BareLvExtendAsync(int rounds)
    {
        var samples = new List<TimeSpan>();
        long size = MailboxBenchRig.ExtentSize;
        for (int round = 0; round < WarmupRounds + rounds; round++)
        {
            stop.ThrowIfCancellationRequested();
            size += MailboxBenchRig.ExtentSize;
            long target = size;
            var t = await Timing.TimeAsync(() => rig.Lvm.LvExtendAsync(rig.Vg, MailboxBenchRig.AnchorLv, target, stop));
            if (round >= WarmupRounds)
            {
                samples.Add(t);
            }
        }

        return samples;
    }

    /// <summary>Extents the series will use: one per lvextend request, plus the anchor's.</summary>
    public static long ExtentsFor(IEnumerable<(int Hosts, int Rounds)> lvextendSeries, int anchorRounds) =>
        lvextendSeries.Sum(s => (long)s.Hosts * (s.Rounds + WarmupRounds)) + anchorRounds + WarmupRounds + 1;

    /// <summary>The domain every request names (the rig has one VG).</summary>
    public static Guid DomainId => Domain;

    private ExtendRequest Next(int host, bool lvextend)
    {
        var volume = rig.VolumeOf(host);
        long size;
        if (lvextend)
        {
            // One extent more than the LV has: absolute sizes, as the mailbox carries them.
            size = _lvSizeMiB.GetValueOrDefault(host, ExtentMiB) + ExtentMiB;
            _lvSizeMiB[host] = size;
        }
        else
        {
            size = Interlocked.Add(ref _fakeSizeMiB, 1);
        }

        return new ExtendRequest(Domain, volume, size);
    }
}
