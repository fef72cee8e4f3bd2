using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.LeaseDaemon.Client;
using Sanpool.Leases;

namespace Sanpool.Bench;

/// <summary>
/// Uncontended acquire + release of a free resource by one host, timed round by round after a
/// warm-up: Sanpool in this process (Lockspace + PaxosLease), Sanpool through its daemon's
/// client socket, and the real sanlock daemon through libsanlock.
/// </summary>
internal sealed class LatencyBench(BenchLayout layout, BenchOptions options)
{
    private const string InProcess = "inproc";

    public async Task<LatencyStats> InProcessAsync()
    {
        await using var ids = DirectBlockDevice.Open(layout.Path);
        await using var leases = DirectBlockDevice.Open(layout.Path);
        var lockspace = await Lockspace.JoinAsync(
            new LockspaceOptions(BenchLayout.Disk(ids, 0, options.Io), BenchLayout.Lockspace, BenchLayout.InProcessHostId, "bench-inproc")
            {
                Timeouts = new LeaseTimeouts(options.Io),
            },
            CancellationToken.None);
        await using (lockspace)
        {
            var disk = BenchLayout.Disk(leases, BenchLayout.Offset(InProcess), options.Io);
            var samples = await MeasureAsync(async () =>
            {
                var held = await PaxosLease.AcquireAsync(disk, lockspace, InProcess, new PaxosAcquireOptions(), CancellationToken.None);
                await PaxosLease.ReleaseAsync(held, lockspace, NullLogger.Instance, CancellationToken.None);
            });
            await lockspace.LeaveAsync(CancellationToken.None);
            return LatencyStats.From("Sanpool in-process (Lockspace + PaxosLease)", samples);
        }
    }

    public async Task<LatencyStats> DaemonAsync(SanpoolHost daemon)
    {
        string spec = layout.ResourceSpec("daemon");
        await using var client = await LeaseDaemonClient.ConnectAsync(daemon.RunDir, CancellationToken.None);
        await client.RegisterAsync(null, CancellationToken.None);
        var samples = await MeasureAsync(async () =>
        {
            await client.AcquireAsync([spec], null, CancellationToken.None);
            await client.ReleaseAsync([spec], null, CancellationToken.None);
        });
        return LatencyStats.From("Sanpool daemon (`sanpool leased`, client socket)", samples);
    }

    /// <summary>Through libsanlock on the registered connection <paramref name="sock"/>: blocking calls, on a thread of their own.</summary>
    public async Task<LatencyStats> SanlockAsync(int sock)
    {
        using var resource = new SanlkResource(BenchLayout.Lockspace, "sanlock", layout.Path, BenchLayout.Offset("sanlock"));
        var samples = await Task.Factory.StartNew(() => MeasureAsync(() =>
        {
            int rv = LibSanlock.Acquire(sock, resource);
            if (rv != 0)
            {
                throw new InvalidOperationException($"sanlock_acquire returned {rv}");
            }

            rv = LibSanlock.Release(sock, resource);
            return rv == 0 ? Task.CompletedTask : throw new InvalidOperationException($"sanlock_release returned {rv}");
        }), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return LatencyStats.From("sanlock 3.8.5 daemon (libsanlock)", samples);
    }

    private async Task<List<TimeSpan>> MeasureAsync(Func<Task> round)
    {
        for (int i = 0; i < options.Warmup; i++)
        {
            await round();
        }

        var samples = new List<TimeSpan>(options.Rounds);
        for (int i = 0; i < options.Rounds; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await round();
            samples.Add(Stopwatch.GetElapsedTime(start));
        }

        return samples;
    }
}
