using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool.Monitor;
using Sanpool.Storage.Journal;

namespace Sanpool.Pool.Tests;

/// <summary>Hosts' monitors on a file pool: each writes its report into its slot of the master area and reads the others'.</summary>
public sealed class DomainMonitorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Each_host_reports_every_domain_and_reads_the_other_hosts_reports()
    {
        await using var pool = await TestPool.CreateAsync();
        var one = await pool.HostAsync(1);
        var two = await pool.HostAsync(2);
        await using var m1 = new DomainMonitor(one.Host, "/run/one.sock", null, () => "SPM", NullLogger.Instance);
        await using var m2 = new DomainMonitor(two.Host, "/run/two.sock", "127.0.0.1:7410", () => "Free", NullLogger.Instance);
        Assert.False(m1.HasChecked);

        await m1.CycleAsync(None);
        await m2.CycleAsync(None);
        // Host 1 reads host 2's report once its lockspace has seen host 2's lease live (as below for host 2).
        var seeing = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await m1.CycleAsync(None);
        }
        while (m1.Others.Count == 0 && seeing.Elapsed < TimeSpan.FromSeconds(30) && await Task.Delay(500).ContinueWith(_ => true));

        Assert.True(m1.SeesAll);
        Assert.Equal(TimeSpan.Zero, m1.MissingFor);
        Assert.Equal(new[] { pool.Master, pool.Second }.Order().ToArray(), m1.Statuses.Keys.Order().ToArray());
        Assert.All(m1.Statuses.Values, s => Assert.True(s.Readable && s.FreeBytes > 0 && s.TotalBytes >= s.FreeBytes && s.Error is null));

        // Host 1 reads host 2's report, with where host 2's API listens; host 2 reads host 1's.
        var seen = Assert.Single(m1.Others);
        Assert.Equal((2, "host2", "Free", true, "/run/two.sock", "127.0.0.1:7410"), (seen.HostId, seen.HostName, seen.Spm, seen.SeesAll, seen.Socket, seen.Tcp));
        Assert.Equal(new[] { 2 }, m1.OthersSeeingAll.ToArray());
        // Host 2 joined later: it reads host 1's report once its lockspace has seen host 1 renew (live).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            await m2.CycleAsync(None);
        }
        while (m2.ReportOf(1) is null && clock.Elapsed < TimeSpan.FromSeconds(30) && await Task.Delay(500).ContinueWith(_ => true));

        Assert.Equal("SPM", m2.ReportOf(1)?.Spm);
        Assert.Null(m2.ReportOf(3));

        // The report is on storage in host 2's slot, with a sequence that grows with every cycle.
        await using var area = await one.Host.Master.OpenMasterAreaAsync(None);
        var slots = new SlotArea(area, MasterArea.HostReports);
        var stored = HostReport.FromJson((await slots.ReadAsync(1, None))!);
        Assert.Equal(2, stored.HostId);
        await m2.CycleAsync(None);
        Assert.True(HostReport.FromJson((await slots.ReadAsync(1, None))!).Sequence > stored.Sequence);
    }
}
