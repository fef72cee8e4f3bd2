using Sanpool.Agent.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary><c>thin.status</c>: the thin volumes this host watches.</summary>
internal sealed class ThinStatusHandler(AgentParts parts) : IVerbHandler<ThinStatusRequest, IReadOnlyList<ThinVolumeInfo>>
{
    public Task<IReadOnlyList<ThinVolumeInfo>> HandleAsync(ThinStatusRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ThinVolumeInfo>>([.. parts.DataPath.Thin.Status().Select(Replies.Thin)]);
}
