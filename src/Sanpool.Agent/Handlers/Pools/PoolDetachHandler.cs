using Sanpool.Agent.Api;
using Sanpool.Api.Pools;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary><c>pool.detach</c> (SPM): the domain leaves the pool (refused while a task uses it); the reply is the pool keys after.</summary>
internal sealed class PoolDetachHandler(PoolConnection connection) : IVerbHandler<PoolDetachRequest, PoolInfoReply>
{
    public async Task<PoolInfoReply> HandleAsync(PoolDetachRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Replies.Pool(await connection.Role.DetachAsync(request.Domain, cancellationToken).ConfigureAwait(false));
    }
}
