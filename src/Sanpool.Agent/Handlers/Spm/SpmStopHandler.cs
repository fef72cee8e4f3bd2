using Sanpool.Agent.Api;
using Sanpool.Api.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary><c>spm.stop</c>: gives the role up and pauses this host's election, so that it does not take the role straight back.</summary>
internal sealed class SpmStopHandler(PoolConnection connection) : IVerbHandler<SpmStopRequest, SpmStatusReply>
{
    public async Task<SpmStatusReply> HandleAsync(SpmStopRequest request, CancellationToken cancellationToken)
    {
        var role = connection.Role;
        if (connection.Election is { } election)
        {
            election.Paused = true;
        }

        await role.StopAsync(cancellationToken).ConfigureAwait(false);
        return Replies.Spm(await role.StatusAsync(cancellationToken).ConfigureAwait(false));
    }
}
