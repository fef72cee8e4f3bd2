using Sanpool.Agent.Api;
using Sanpool.Api.Pools;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary><c>pool.info</c>: the pool keys, read now from the master domain.</summary>
internal sealed class PoolInfoHandler(PoolConnection connection) : IVerbHandler<PoolInfoRequest, PoolInfoReply>
{
    public async Task<PoolInfoReply> HandleAsync(PoolInfoRequest request, CancellationToken cancellationToken) =>
        Replies.Pool(await connection.Connected.ReadPoolAsync(cancellationToken).ConfigureAwait(false));
}
