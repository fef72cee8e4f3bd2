using Sanpool.Api;
using Sanpool.Api.Pools;
using Sanpool.Engine.Data;
using Sanpool.Engine.Data.Stores;
using Sanpool.Harness.LocalPools;

namespace Sanpool.Bench;

/// <summary>
/// The engine's reads of a big inventory against the same SELECT run directly on the same
/// database (the engine's own session and row mapping, nothing else: no HTTP, no DTOs):
/// <list type="bullet">
/// <item><c>GET /api/disks?max=1000</c> (one page of every disk, each with its chain's leaf,
/// volume count, sizes and domains) against one SELECT of that page's disks joined with their
/// volumes, domain map and figures, plus the COUNT(*) the page's total needs;</item>
/// <item><c>GET /api/disks/{id}/chain</c> of a disk of five volumes against the SELECT of its
/// rows, and against that SELECT plus one <c>domain.volumes</c> of its domain on an agent (what
/// the chain reads from the storage).</item>
/// </list>
/// Engine and direct rounds alternate; one warm-up round each; each chain round takes another disk.
/// </summary>
internal sealed class EngineListBench(LocalPool pool, BenchEngine engine, int rounds, CancellationToken stop)
{
    public const int PageMax = 1000;

    private static readonly string ImageColumns = string.Join(", ", ImageStore.Columns.Split(", ").Select(c => "i." + c));

    /// <summary>
    /// The page GET /api/disks?max=1000 answers, as one query: the page's disks (by alias, then
    /// id), each volume with its domain and actual size, base first.
    /// </summary>
    private static readonly string PageSql =
        "SELECT d.disk_id, d.disk_alias, d.disk_description, d.shareable, d.wipe_after_delete, d.disk_content_type, " + ImageColumns +
        ", m.storage_domain_id, y.actual_size " +
        "FROM (SELECT disk_id, disk_alias, disk_description, shareable, wipe_after_delete, disk_content_type FROM base_disks " +
        "ORDER BY disk_alias, disk_id LIMIT @limit OFFSET 0) d " +
        "JOIN images i ON i.image_group_id = d.disk_id " +
        "LEFT JOIN image_storage_domain_map m ON m.image_id = i.image_guid " +
        "LEFT JOIN disk_image_dynamic y ON y.image_id = i.image_guid " +
        "ORDER BY d.disk_alias, d.disk_id, i.sequence_number, i.image_guid";

    private static readonly string ChainSql = $"SELECT {ImageStore.Columns} FROM images WHERE image_group_id = @diskId ORDER BY sequence_number, image_guid";

    /// <summary>The rows: engine list, direct list, the old one-disk-at-a-time queries, engine chain, direct chain, direct chain + domain.volumes.</summary>
    public async Task<IReadOnlyList<LatencyStats>> RunAsync(string database, IReadOnlyList<Guid> disks, Guid domain)
    {
        Console.Error.WriteLine($"engine lists on {database}: {rounds} rounds of GET /api/disks?max={PageMax} and of its SELECT ...");
        var (list, listDirect, listBefore) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        int listed = 0;
        for (int i = 0; i <= rounds; i++)
        {
            stop.ThrowIfCancellationRequested();
            var api = await Timing.TimeAsync(async () => listed = (await engine.GetAsync($"/api/disks?max={PageMax}", stop))["items"]!.AsArray().Count);
            int rows = 0;
            var direct = await Timing.TimeAsync(async () => rows = await PageDirectAsync());
            var before = await Timing.TimeAsync(PageOneDiskAtATimeAsync);
            if (i > 0)
            {
                list.Add(api);
                listDirect.Add(direct);
                listBefore.Add(before);
            }

            if (i == 0)
            {
                Console.Error.WriteLine($"  the page: {listed} disks; its SELECT: {rows} rows");
            }
        }

        Console.Error.WriteLine($"engine lists on {database}: {rounds} rounds of GET /api/disks/{{id}}/chain and of its SELECT (+ domain.volumes) ...");
        var (chain, chainDirect, chainStorage) = (new List<TimeSpan>(), new List<TimeSpan>(), new List<TimeSpan>());
        int host = pool.Running.First();
        using var client = pool.Client(host);
        for (int i = 0; i <= rounds; i++)
        {
            stop.ThrowIfCancellationRequested();
            var disk = disks[(i * 7919) % disks.Count];
            var api = await Timing.TimeAsync(() => engine.GetAsync($"/api/disks/{disk}/chain", stop));
            var direct = await Timing.TimeAsync(() => engine.Db.ReadAsync(s => s.QueryAsync(ChainSql, new { diskId = disk }, ImageStore.Read, stop), stop));
            var storage = await Timing.TimeAsync(() => client.CallAsync(AgentVerbs.DomainVolumes, new DomainVolumesRequest(domain), stop));
            if (i > 0)
            {
                chain.Add(api);
                chainDirect.Add(direct);
                chainStorage.Add(direct + storage);
            }
        }

        return
        [
            LatencyStats.From($"{database}: engine `GET /api/disks?max={PageMax}` ({listed} disks)", list),
            LatencyStats.From($"{database}: its SELECT direct (one join of the page's disks, volumes, domains, sizes + COUNT(*))", listDirect),
            LatencyStats.From($"{database}: the queries the endpoint made before, direct (the page, COUNT(*), then per disk its chain and per volume its domains and figures)", listBefore),
            LatencyStats.From($"{database}: engine `GET /api/disks/{{id}}/chain` (5 volumes)", chain),
            LatencyStats.From($"{database}: its SELECT direct (the disk's rows)", chainDirect),
            LatencyStats.From($"{database}: its SELECT + one `domain.volumes` on host {host}'s agent", chainStorage),
        ];
    }

    /// <summary>
    /// What GET /api/disks did before it read a page's chains in one query, through the same
    /// stores, no HTTP: the page, the count, and per disk its chain, then per volume its domains
    /// and its figures (1 + 2 x 5 queries a disk here).
    /// </summary>
    private async Task PageOneDiskAtATimeAsync()
    {
        var disks = await engine.Db.Disks.ListAsync(new Page(PageMax, 0), stop);
        _ = await engine.Db.Disks.CountAsync(stop);
        foreach (var disk in disks)
        {
            foreach (var image in await engine.Db.Images.ListByDiskAsync(disk.DiskId, stop))
            {
                _ = await engine.Db.Images.ListDomainsAsync(image.ImageGuid, stop);
                _ = await engine.Db.Images.GetDynamicAsync(image.ImageGuid, stop);
            }
        }
    }

    /// <summary>The page's SELECT and the COUNT(*), through the engine's own session and row mapping; returns the rows read.</summary>
    private Task<int> PageDirectAsync() =>
        engine.Db.ReadAsync(
            async s =>
            {
                var rows = await s.QueryAsync(
                    PageSql,
                    new { limit = PageMax },
                    r => (Disk: DiskStore.Read(r), Image: ImageStore.Read(r), Domain: r.UuidOrNull("storage_domain_id"), Actual: r.Int64OrNull("actual_size")),
                    stop);
                long total = await s.ScalarAsync<long>("SELECT COUNT(*) FROM base_disks", null, stop);
                return rows.Count + (int)Math.Min(total, 0);
            },
            stop);
}
