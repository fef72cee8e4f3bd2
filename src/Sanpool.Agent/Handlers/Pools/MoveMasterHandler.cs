using Sanpool.Agent.Api;
using Sanpool.Api.Pools;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary>
/// <c>pool.move-master</c> (SPM): moves the master role, then this host reconnects through the
/// new master (every other host follows by its monitor).
/// </summary>
internal sealed class MoveMasterHandler(PoolConnection connection) : IVerbHandler<MoveMasterRequest, PoolInfoReply>
{
    public async Task<PoolInfoReply> HandleAsync(MoveMasterRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keys = await connection.Role.MoveMasterAsync(request.Domain, cancellationToken).ConfigureAwait(false);
        connection.RequestMove(request.Domain);
        return Replies.Pool(keys) with { Master = request.Domain };
    }
}
