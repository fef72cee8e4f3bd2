using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>
/// A whole domain's reconciliation through the engine against one <c>domain.volumes</c> on an
/// agent alone (every volume's metadata, LV tags and qcow2 header, and the chains: what
/// <c>vdsm-tool dump-volume-chains</c> is in VDSM):
/// <list type="bullet">
/// <item><c>GET /api/storagedomains/{id}/chains</c> (every disk compared, from one storage read
/// and one SQL query) and <c>POST /api/storagedomains/{id}/reconcile</c> (the same, then each
/// disk's safe fixes as a job: none on a domain that agrees), rounds alternating with the agent's call;</item>
/// <item>what a client had to do before those existed, once: the domain's disks, then
/// <c>GET /api/disks/{id}/chain</c> for each (each a <c>domain.volumes</c> of the whole domain).</item>
/// </list>
/// </summary>
internal sealed class EngineReconcileBench(LocalPool pool, BenchEngine engine, int rounds, CancellationToken stop)
{
    /// <summary>The rows (engine rows first, the agent's last), and the domain as the engine's read found it.</summary>
    public async Task<(IReadOnlyList<LatencyStats> Rows, int Disks, int Disagreeing, int Volumes)> RunAsync(Guid domain)
    {
        int host = pool.Running.First();
        using var client = pool.Client(host);
        var (chains, reconciles, alone) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        var report = await engine.GetAsync($"/api/storagedomains/{domain}/chains", stop);
        int disks = (int)report["disks"]!, disagreeing = report["disagreeing"]!.AsArray().Count, volumes = (int)report["volumes_on_storage"]!;
        Console.Error.WriteLine($"engine reconcile: domain {domain}: {disks} disks, {volumes} volumes on storage, {disagreeing} disks disagreeing; " +
                                $"{rounds} rounds of its chains and its reconcile through the engine, each with one domain.volumes on host {host} ...");
        for (int i = 0; i <= rounds; i++)
        {
            stop.ThrowIfCancellationRequested();
            var read = await Timing.TimeAsync(() => engine.GetAsync($"/api/storagedomains/{domain}/chains", stop));
            var call = await Timing.TimeAsync(() => client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), stop));
            var reconcile = await Timing.TimeAsync(() => engine.PostAsync($"/api/storagedomains/{domain}/reconcile", null, System.Net.HttpStatusCode.OK, stop));
            if (i > 0)
            {
                chains.Add(read);
                alone.Add(call);
                reconciles.Add(reconcile);
            }
        }

        Console.Error.WriteLine($"engine reconcile: one sweep of GET /api/disks/{{id}}/chain over the domain's {disks} disks (the way before the domain's read) ...");
        var sweep = await Timing.TimeAsync(() => SweepAsync(domain));
        return (
        [
            LatencyStats.From("engine: `GET /api/storagedomains/{id}/chains` (every disk compared)", chains),
            LatencyStats.From("engine: `POST /api/storagedomains/{id}/reconcile` (nothing to fix)", reconciles),
            LatencyStats.From($"engine, before the domain's read: `GET /api/storagedomains/{{id}}/disks`, then `GET /api/disks/{{id}}/chain` for each of its {disks} disks (1 sweep)", [sweep]),
            LatencyStats.From($"agent alone: one `domain.volumes` ({volumes} volumes) on host {host}", alone),
        ], disks, disagreeing, volumes);
    }

    private async Task SweepAsync(Guid domain)
    {
        var ids = (await engine.GetAsync($"/api/storagedomains/{domain}/disks?max=1000", stop))["items"]!.AsArray().Select(d => (string)d!["id"]!).ToList();
        foreach (string id in ids)
        {
            _ = await engine.GetAsync($"/api/disks/{id}/chain", stop);
        }
    }
}
