using Sanpool.Agent.Api;
using Sanpool.Api.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary>
/// <c>spm.stop</c>: gives the role up. On a host that runs its own election, the election is
/// paused too, so that it does not take the role straight back; a host a manager runs does not
/// contend while the manager calls anyway, and must be free to fall back to the election if the
/// manager goes away (<see cref="Sanpool.Pool.Spm.ManagerContact"/>).
/// </summary>
internal sealed class SpmStopHandler(PoolConnection connection) : IVerbHandler<SpmStopRequest, SpmStatusReply>
{
    public async Task<SpmStatusReply> HandleAsync(SpmStopRequest request, CancellationToken cancellationToken)
    {
        connection.Manager.Touch();
        var role = connection.Role;
        if (connection.Election is { } election && connection.Config.Election)
        {
            election.Paused = true;
        }

        await role.StopAsync(cancellationToken).ConfigureAwait(false);
        return Replies.Spm(await role.StatusAsync(cancellationToken).ConfigureAwait(false));
    }
}
