using Sanpool.Agent.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary><c>image.prepare</c>: serves the image's chain on this host and answers with the drive qemu opens.</summary>
internal sealed class ImagePrepareHandler(AgentParts parts) : IVerbHandler<ImagePrepareRequest, PreparedImageInfo>
{
    public async Task<PreparedImageInfo> HandleAsync(ImagePrepareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Replies.Prepared(await parts.DataPath.Volumes.PrepareAsync(request.Domain, request.Image, cancellationToken).ConfigureAwait(false));
    }
}
