using Sanpool.BlockIO;
using Sanpool.Leases;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// Finds when a host last renewed its host id, to within the polling interval: reads its
/// delta lease every 50 ms and notes the monotonic time at which each new timestamp first
/// appeared. (The timestamp itself is whole seconds, too coarse for a ratio.)
/// </summary>
internal sealed class RenewalWatch : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private ulong _timestamp;
    private TimeSpan _changedAt;
    private int _changes;

    private RenewalWatch()
    {
    }

    /// <summary>Monotonic time at which the latest timestamp was first seen.</summary>
    public TimeSpan LastRenewal { get { lock (_stop) { return _changedAt; } } }

    /// <summary>How many renewals (changes) were seen.</summary>
    public int Renewals { get { lock (_stop) { return _changes; } } }

    /// <summary>Watches a host id of the bench's lockspace file.</summary>
    public static RenewalWatch Start(BenchLayout layout, int hostId, int io)
    {
        var watch = new RenewalWatch();
        watch._loop = Task.Run(async () =>
        {
            await using var device = DirectBlockDevice.Open(layout.Path, readOnly: true);
            await watch.LoopAsync(BenchLayout.Disk(device, 0, io), BenchLayout.Lockspace, hostId, watch._stop.Token);
        });
        return watch;
    }

    /// <summary>Watches a host id in a domain's lockspace (named by the domain's UUID), read through its "ids" area.</summary>
    public static RenewalWatch Start(IDomainManifest store, int hostId)
    {
        var watch = new RenewalWatch();
        watch._loop = Task.Run(async () =>
        {
            await using var ids = await store.OpenIdsAsync(watch._stop.Token);
            var disk = new LeaseDisk(ids, 0, store.Geometry, TimeSpan.FromSeconds(store.Info.IoTimeout));
            await watch.LoopAsync(disk, store.Info.Uuid.ToString(), hostId, watch._stop.Token);
        });
        return watch;
    }

    private async Task LoopAsync(LeaseDisk disk, string lockspace, int hostId, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var record = await DeltaLease.ReadAsync(disk, lockspace, hostId, stop);
            var now = MonotonicClock.System.Now;
            lock (_stop)
            {
                if (record.Timestamp != _timestamp)
                {
                    _timestamp = record.Timestamp;
                    _changedAt = now;
                    _changes++;
                }
            }

            await Task.Delay(Interval, stop);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
