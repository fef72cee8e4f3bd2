using Sanpool.Agent.Api;
using Sanpool.Api.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary><c>spm.status</c>: this host's role, and the pool's SPM as the pool keys name it.</summary>
internal sealed class SpmStatusHandler(PoolConnection connection) : IVerbHandler<SpmStatusRequest, SpmStatusReply>
{
    public async Task<SpmStatusReply> HandleAsync(SpmStatusRequest request, CancellationToken cancellationToken) =>
        Replies.Spm(await connection.Role.StatusAsync(cancellationToken).ConfigureAwait(false));
}
