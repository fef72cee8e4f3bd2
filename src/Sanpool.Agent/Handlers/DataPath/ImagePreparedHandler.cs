using Sanpool.Agent.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary><c>image.prepared</c>: the images this host serves now.</summary>
internal sealed class ImagePreparedHandler(AgentParts parts) : IVerbHandler<ImagePreparedRequest, IReadOnlyList<PreparedImageInfo>>
{
    public Task<IReadOnlyList<PreparedImageInfo>> HandleAsync(ImagePreparedRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PreparedImageInfo>>([.. parts.DataPath.Volumes.Prepared.Select(Replies.Prepared)]);
}
