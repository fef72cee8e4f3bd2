using Sanpool.BlockIO;
using Sanpool.Leases;

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
    private readonly Task _loop;
    private ulong _timestamp;
    private TimeSpan _changedAt;
    private int _changes;

    private RenewalWatch(BenchLayout layout, int hostId, int io)
    {
        _loop = Task.Run(() => LoopAsync(layout, hostId, io, _stop.Token));
    }

    /// <summary>Monotonic time at which the latest timestamp was first seen.</summary>
    public TimeSpan LastRenewal { get { lock (_stop) { return _changedAt; } } }

    /// <summary>How many renewals (changes) were seen.</summary>
    public int Renewals { get { lock (_stop) { return _changes; } } }

    public static RenewalWatch Start(BenchLayout layout, int hostId, int io) => new(layout, hostId, io);

    private async Task LoopAsync(BenchLayout layout, int hostId, int io, CancellationToken stop)
    {
        await using var device = DirectBlockDevice.Open(layout.Path, readOnly: true);
        var disk = layout.Disk(device, 0, io);
        while (!stop.IsCancellationRequested)
        {
            var record = await DeltaLease.ReadAsync(disk, BenchLayout.Lockspace, hostId, stop);
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
