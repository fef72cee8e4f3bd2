using Microsoft.Extensions.Logging;
using Sanpool.Api.Client;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// How the engine reaches a data center's storage through its hosts: which data center a domain
/// or disk belongs to, its Up hosts (the SPM first), and a call that moves on to the next host
/// when one does not answer. A structural verb goes with <c>forward: true</c>, so any Up host
/// carries it to the SPM; a read (<c>domain.volumes</c>, <c>task.status</c>) is answered by any
/// host that reads the domain. Stateless: every answer comes from the database of the moment.
/// </summary>
public sealed class PoolAgents(EngineDatabase db, ILogger<PoolAgents> logger)
{
    /// <summary>
    /// Calls <paramref name="preferred"/>, else each Up host of the pool (the SPM first), until
    /// one answers; an agent's own error (not a silent or unreachable agent) is the answer.
    /// With none answering it tries again after <paramref name="retryAfter"/>, until stopped; without
    /// one it gives up with NO_HOST_UP.
    /// </summary>
    public async Task<T> CallAnyAsync<T>(StoragePool pool, AgentLink? preferred, Func<AgentLink, CancellationToken, Task<T>> call, TimeSpan? retryAfter, CancellationToken stop)
    {
        while (true)
        {
            var links = new List<AgentLink>();
            if (preferred is not null)
            {
                links.Add(preferred);
            }

            links.AddRange((await UpHostsAsync(pool.Id, stop).ConfigureAwait(false)).Where(l => l != preferred));
            foreach (var link in links)
            {
                try
                {
                    return await call(link, stop).ConfigureAwait(false);
                }
                catch (SanpoolException e) when (IsUnanswered(e) && !stop.IsCancellationRequested)
                {
                    HostsLog.HostUnanswered(logger, link.Address, e.OneLine);
                }
            }

            if (retryAfter is null)
            {
                throw new SanpoolException(EngineErrors.NoHostUp, $"no Up host of data center {pool.Name} ({pool.Id}) answered", isTransient: true);
            }

            await Task.Delay(retryAfter.Value, stop).ConfigureAwait(false);
        }
    }

    /// <summary>An agent that did not answer, or answered that it cannot serve the pool now: ask another.</summary>
    public static bool IsUnanswered(SanpoolException e) =>
        e.Code == AgentErrors.Unreachable || e.Code == AgentErrors.Timeout || e.Code == AgentErrors.Protocol || e.IsTransient
        || e.Code.Name is "NOT_CONNECTED" or "NOT_SPM" or "SPM_UNKNOWN";

    /// <summary>
    /// Whether a call may have been carried out though no answer came: the connection broke or
    /// timed out after the request was sent. A structural verb failing so may have made its task.
    /// </summary>
    public static bool MayHaveRun(SanpoolException e) => e.Code == AgentErrors.Timeout || e.Code == AgentErrors.Protocol;

    /// <summary>The pool of an Active domain and an Up host of it to carry the action (the SPM if it is Up).</summary>
    public async Task<(StoragePool Pool, AgentLink Link)> RouteAsync(Guid domainId, CancellationToken cancellationToken)
    {
        var pool = await PoolOfAsync(domainId, cancellationToken).ConfigureAwait(false);
        var map = (await db.Pools.ListIsoMapAsync(pool.Id, cancellationToken).ConfigureAwait(false)).Single(m => m.StorageId == domainId);
        if (map.Status != StorageDomainStatus.Active)
        {
            throw new SanpoolException(EngineErrors.StorageDomainStateConflict, $"storage domain {domainId} is {map.Status} in data center {pool.Name}, not Active");
        }

        var up = await UpHostsAsync(pool.Id, cancellationToken).ConfigureAwait(false);
        return up.Count > 0
            ? (pool, up[0])
            : throw new SanpoolException(EngineErrors.NoHostUp, $"no host of data center {pool.Name} ({pool.Id}) is Up to reach its SPM", isTransient: true);
    }

    public async Task<StoragePool> PoolOfAsync(Guid domainId, CancellationToken cancellationToken)
    {
        _ = await db.Pools.GetDomainAsync(domainId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.StorageDomainNotFound, $"storage domain {domainId} does not exist");
        var attachments = await db.Pools.ListAttachmentsAsync(domainId, cancellationToken).ConfigureAwait(false);
        var attachment = attachments.Count > 0
            ? attachments[0]
            : throw new SanpoolException(EngineErrors.StorageDomainStateConflict, $"storage domain {domainId} is in no data center");
        return await db.Pools.GetPoolAsync(attachment.StoragePoolId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.DataCenterNotFound, $"data center {attachment.StoragePoolId} does not exist");
    }

    /// <summary>The Up hosts of the pool, the SPM first.</summary>
    public async Task<List<AgentLink>> UpHostsAsync(Guid poolId, CancellationToken cancellationToken) =>
        [.. (await db.Hosts.ListAllViewsAsync(cancellationToken).ConfigureAwait(false))
            .Where(h => h.Static.StoragePoolId == poolId && h.Dynamic.Status == VdsStatus.Up)
            .OrderBy(h => h.Dynamic.SpmStatus == SpmStatus.SPM ? 0 : 1)
            .Select(h => new AgentLink(h.Static.AgentAddress, h.Static.AgentToken))];

    /// <summary>The domain a disk's base volume is on.</summary>
    public async Task<Guid> DomainOfDiskAsync(Guid diskId, CancellationToken cancellationToken)
    {
        var chain = await db.Images.ListByDiskAsync(diskId, cancellationToken).ConfigureAwait(false);
        var maps = chain.Count == 0 ? [] : await db.Images.ListDomainsAsync(chain[0].ImageGuid, cancellationToken).ConfigureAwait(false);
        return maps.Count > 0 ? maps[0].StorageDomainId : throw new SanpoolException(EngineErrors.DiskNotFound, $"disk {diskId} has no volume on any storage domain");
    }
}
