using Sanpool.Agent.Api;
using Sanpool.Api.Spm;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary>
/// <c>spm.start</c>: takes the role now; this host's election runs again (an earlier spm.stop
/// paused it). With the previous SPM id and lease version the caller saw, it first checks that
/// the master's keys still say so (SPM_CHANGED otherwise). The take-over itself is the SDM
/// lease's to allow: while the previous SPM's host id is live the acquire is refused
/// (DOMAIN_BUSY), and while it is silent the acquire waits until host_dead after its last renewal.
/// </summary>
internal sealed class SpmStartHandler(PoolConnection connection) : IVerbHandler<SpmStartRequest, SpmStatusReply>
{
    public async Task<SpmStatusReply> HandleAsync(SpmStartRequest request, CancellationToken cancellationToken)
    {
        connection.Manager.Touch();
        var role = connection.Role;
        if (connection.Election is { } election)
        {
            election.Paused = false;
        }

        if (role.State != SpmState.Spm && (request.PrevId is not null || request.PrevLver is not null))
        {
            var pool = await connection.Connected.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
            if ((request.PrevId is { } id && id != pool.SpmId) || (request.PrevLver is { } lver && lver != pool.SpmLver))
            {
                throw new SanpoolException(
                    PoolErrors.SpmChanged,
                    $"pool {pool.Pool}: the caller expected SPM host id {request.PrevId?.ToString() ?? "any"} at lease version {request.PrevLver?.ToString() ?? "any"}, " +
                    $"the master names host id {pool.SpmId} at lease version {pool.SpmLver}; look at the pool again");
            }
        }

        return Replies.Spm(await role.StartAsync(cancellationToken).ConfigureAwait(false));
    }
}
