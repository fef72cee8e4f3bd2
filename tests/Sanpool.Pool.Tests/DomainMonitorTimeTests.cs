using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool.Monitor;

namespace Sanpool.Pool.Tests;

/// <summary>The monitor's clock is the host's <see cref="PoolHostOptions.Time"/>: staleness is decided on it, so it can be tested without waiting.</summary>
public sealed class DomainMonitorTimeTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_report_that_stops_growing_is_dropped_after_five_monitor_periods_of_the_hosts_clock()
    {
        var time = new ManualTimeProvider();
        await using var pool = await TestPool.CreateAsync();
        var one = await pool.HostAsync(1, time);
        var two = await pool.HostAsync(2);
        await using var m1 = new DomainMonitor(one.Host, "/run/one.sock", null, () => "SPM", NullLogger.Instance);
        await using var m2 = new DomainMonitor(two.Host, "/run/two.sock", null, () => "Free", NullLogger.Instance);
        await m2.CycleAsync(None);

        // Host 1 reads host 2's report once its lockspace has seen host 2's lease live (real time: the leases' own).
        var seeing = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await m1.CycleAsync(None);
        }
        while (m1.ReportOf(2) is null && seeing.Elapsed < TimeSpan.FromSeconds(30) && await Task.Delay(300).ContinueWith(_ => true));

        Assert.NotNull(m1.ReportOf(2));
        var stale = one.Host.Options.Timeouts.ReportStaleAfter;

        // Host 2 stops writing. On host 1's clock, just before the bound the report still counts ...
        time.Advance(stale - TimeSpan.FromMilliseconds(1));
        await m1.CycleAsync(None);
        Assert.NotNull(m1.ReportOf(2));

        // ... and at the bound it does not, though no real time passed.
        time.Advance(TimeSpan.FromMilliseconds(1));
        await m1.CycleAsync(None);
        Assert.Null(m1.ReportOf(2));
        Assert.Empty(m1.OthersSeeingAll);

        // A new report (the sequence grew) counts again at once.
        await m2.CycleAsync(None);
        await m1.CycleAsync(None);
        Assert.NotNull(m1.ReportOf(2));
    }
}
