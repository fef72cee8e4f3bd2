using Sanpool.Core.Tools;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Check;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// Reading a big domain: <c>dump-volume-chains</c> and <c>domain check</c>, through the one-shot
/// CLI and through the library (a store opened afresh each time, as the CLI does), against one
/// <c>lvs</c> of the same VG with the same filter. The rounds interleave the five, so load on the
/// shared machine falls on all of them alike.
/// </summary>
internal sealed class InventoryBench(BenchDomain domain, StorageAnchor anchor, BenchOptions options, string cli, CancellationToken stop)
{
    /// <summary>The four Sanpool rows and the anchor row, last.</summary>
    public async Task<IReadOnlyList<LatencyStats>> RunAsync(int volumes)
    {
        await VerifyAsync(volumes);
        (string Name, Func<Task> Run)[] series =
        [
            ("Sanpool CLI `dump-volume-chains`", () => CliAsync("dump-volume-chains", domain.Uuid.ToString())),
            ("Sanpool CLI `domain check`", () => CliAsync("domain", "check", domain.Uuid.ToString())),
            ("Sanpool library (`DomainInventory.LoadAsync`, dump text)", LibraryDumpAsync),
            ("Sanpool library (`DomainCheck.RunAsync`)", LibraryCheckAsync),
            ("anchor: one `lvs -o lv_name,lv_tags`", anchor.LvsAsync),
        ];
        var samples = series.Select(_ => new List<TimeSpan>()).ToArray();
        for (int round = -1; round < options.ListRounds; round++)
        {
            stop.ThrowIfCancellationRequested();
            for (int i = 0; i < series.Length; i++)
            {
                var elapsed = await Timing.TimeAsync(series[i].Run);
                if (round >= 0)
                {
                    samples[i].Add(elapsed);
                }
            }
        }

        return [.. series.Select((s, i) => LatencyStats.From(s.Name, samples[i]))];
    }

    /// <summary>The domain must hold <paramref name="volumes"/> volumes and pass <c>domain check</c> clean, or the figures mean nothing.</summary>
    private async Task VerifyAsync(int volumes)
    {
        var check = await CliAsync("domain", "check", domain.Uuid.ToString());
        if (!check.Stdout.Contains($"{volumes} volumes checked, no problems", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"domain check of the bench domain is not clean: {check.Stdout}");
        }

        await using var store = await domain.OpenStoreAsync();
        var inventory = await DomainInventory.LoadAsync(store, CancellationToken.None);
        if (inventory.Volumes.Count != volumes || inventory.Chains.Any(c => !c.IsValid))
        {
            throw new InvalidOperationException($"the bench domain holds {inventory.Volumes.Count} volumes, not {volumes}, or a broken chain");
        }
    }

    private Task<ToolResult> CliAsync(params string[] args) => ExternalTool.RunAsync(
        [cli, .. args, "--device", domain.Device],
        new ToolRunOptions { Timeout = TimeSpan.FromMinutes(10), Environment = domain.CliEnvironment }, CancellationToken.None);

    private async Task LibraryDumpAsync()
    {
        await using var store = await domain.OpenStoreAsync();
        var inventory = await DomainInventory.LoadAsync(store, CancellationToken.None);
        _ = ChainReport.RenderText(inventory.Chains);
    }

    private async Task LibraryCheckAsync()
    {
        await using var store = await domain.OpenStoreAsync();
        var findings = await DomainCheck.RunAsync(store, CancellationToken.None);
        if (findings.Count > 0)
        {
            throw new InvalidOperationException($"domain check found {findings.Count} problem(s), first: {findings[0]}");
        }
    }
}
