using Sanpool.Agent.Api;
using Sanpool.Api.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary><c>spm.start</c>: takes the role now; this host's election runs again (an earlier spm.stop paused it).</summary>
internal sealed class SpmStartHandler(PoolConnection connection) : IVerbHandler<SpmStartRequest, SpmStatusReply>
{
    public async Task<SpmStatusReply> HandleAsync(SpmStartRequest request, CancellationToken cancellationToken)
    {
        var role = connection.Role;
        if (connection.Election is { } election)
        {
            election.Paused = false;
        }

        return Replies.Spm(await role.StartAsync(cancellationToken).ConfigureAwait(false));
    }
}
