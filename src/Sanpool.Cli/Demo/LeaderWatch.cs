using Sanpool.BlockIO;
using Sanpool.Leases;
using Sanpool.Leases.OnDisk;
using Spectre.Console;

namespace Sanpool.Cli.Demo;

/// <summary>Reads the SDM leader straight from the LUN and prints every change of owner or lver.</summary>
internal sealed class LeaderWatch(string device, IReadOnlyList<DemoHost> hosts) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        await using var dev = DirectBlockDevice.Open(device, readOnly: true);
        var disk = new LeaseDisk(dev, LeaseGeometry.MiB, LeaseGeometry.Default512, TimeSpan.FromSeconds(10));
        LeaderRecord? last = null;
        var start = DateTime.UtcNow;
        try
        {
            while (!linked.IsCancellationRequested)
            {
                var leader = await PaxosLease.ReadLeaderAsync(disk, "demo", "SDM", 0, linked.Token);
                if (last is null || leader.Lver != last.Lver || leader.IsFree != last.IsFree)
                {
                    string who = hosts.FirstOrDefault(h => (ulong)h.HostId == leader.OwnerId)?.Name ?? $"host id {leader.OwnerId}";
                    string state = leader.IsFree ? "[grey]free[/]" : $"[yellow]held by {who}[/]";
                    AnsiConsole.MarkupLine($"{(DateTime.UtcNow - start).TotalSeconds,6:0.00} s  SDM lver {leader.Lver,3}  {state}");
                    last = leader;
                }

                await Task.Delay(50, linked.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(Task watching)
    {
        await _stop.CancelAsync();
        await watching;
    }

    public void Dispose() => _stop.Dispose();
}
