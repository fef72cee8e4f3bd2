using Sanpool.Agent.Api;
using Sanpool.Api.Pools;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary><c>pool.attach</c> (SPM): the domain joins the pool; the reply is the pool keys after.</summary>
internal sealed class PoolAttachHandler(PoolConnection connection) : IVerbHandler<PoolAttachRequest, PoolInfoReply>
{
    public async Task<PoolInfoReply> HandleAsync(PoolAttachRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Replies.Pool(await connection.Role.AttachAsync(request.Domain, cancellationToken).ConfigureAwait(false));
    }
}
