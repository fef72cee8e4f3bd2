using Sanpool.Agent.Api;
using Sanpool.Api.Pools;
using Sanpool.Storage.Domains;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary><c>domain.info</c>: a domain of the pool as its metadata says now (seal checked), read from this host.</summary>
internal sealed class DomainInfoHandler(PoolConnection connection) : IVerbHandler<DomainInfoRequest, DomainInfoReply>
{
    public async Task<DomainInfoReply> HandleAsync(DomainInfoRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = await connection.Connected.StoreAsync(request.Domain, cancellationToken).ConfigureAwait(false);
        var info = DomainInfo.From(await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false));
        return new DomainInfoReply
        {
            Uuid = info.Uuid,
            Type = info.Type,
            Role = info.Role,
            Description = info.Description,
            Version = info.Version,
            BlockSize = info.BlockSize,
            Alignment = info.Alignment,
            IoTimeout = info.IoTimeout,
            WatchdogFireTimeout = info.WatchdogFireTimeout,
            HostDeadSeconds = (int)info.Timeouts.HostDead.TotalSeconds,
            Pool = info.Pool,
        };
    }
}
