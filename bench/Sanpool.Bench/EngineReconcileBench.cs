using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>
/// Reading a whole domain's reconciliation through the engine against one <c>domain.volumes</c>
/// on an agent alone (every volume's metadata, LV tags and qcow2 header, and the chains: what
/// <c>vdsm-tool dump-volume-chains</c> is in VDSM). The engine has no domain-wide read yet, so
/// its figure is what a client must do: the domain's disks (<c>GET
/// /api/storagedomains/{id}/disks</c>) and then <c>GET /api/disks/{id}/chain</c> for each, one
/// after another. Rounds alternate engine, agent; one warm-up round of the agent's call.
/// </summary>
internal sealed class EngineReconcileBench(LocalPool pool, BenchEngine engine, int rounds, CancellationToken stop)
{
    /// <summary>The engine's sweep, the agent's call; how many disks the sweep read and how many of their chains agreed.</summary>
    public async Task<(IReadOnlyList<LatencyStats> Rows, int Disks, int Agreeing, int Volumes)> RunAsync(Guid domain)
    {
        int host = pool.Running.First();
        using var client = pool.Client(host);
        var (sweeps, alone) = (new List<TimeSpan>(), new List<TimeSpan>());
        int disks = 0, agreeing = 0, volumes = 0;
        volumes = (await client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), stop)).Volumes.Count;
        Console.Error.WriteLine($"engine reconcile: {rounds} sweeps of the chains of domain {domain} ({volumes} volumes) through the engine, each with one domain.volumes on host {host} ...");
        for (int i = 0; i < rounds; i++)
        {
            stop.ThrowIfCancellationRequested();
            var sweep = await Timing.TimeAsync(async () => (disks, agreeing) = await SweepAsync(domain));
            var call = await Timing.TimeAsync(() => client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), stop));
            sweeps.Add(sweep);
            alone.Add(call);
            Console.Error.WriteLine($"  sweep {i + 1}: {disks} disks ({agreeing} agreeing) in {sweep.TotalSeconds:0.0} s; domain.volumes {call.TotalMilliseconds:0} ms");
        }

        return (
        [
            LatencyStats.From($"engine: `GET /api/storagedomains/{{id}}/disks`, then `GET /api/disks/{{id}}/chain` for each of its {disks} disks", sweeps),
            LatencyStats.From($"agent alone: one `domain.volumes` ({volumes} volumes) on host {host}", alone),
        ], disks, agreeing, volumes);
    }

    private async Task<(int Disks, int Agreeing)> SweepAsync(Guid domain)
    {
        var ids = (await engine.GetAsync($"/api/storagedomains/{domain}/disks?max=1000", stop))["items"]!.AsArray().Select(d => (string)d!["id"]!).ToList();
        int agreeing = 0;
        foreach (string id in ids)
        {
            var report = await engine.GetAsync($"/api/disks/{id}/chain", stop);
            agreeing += (bool)report["agrees"]! ? 1 : 0;
        }

        return (ids.Count, agreeing);
    }
}
