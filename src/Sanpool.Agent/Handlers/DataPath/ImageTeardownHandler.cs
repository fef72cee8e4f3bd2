using Sanpool.Agent.Api;
using Sanpool.Api.DataPath;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary><c>image.teardown</c>: stops serving a prepared image on this host.</summary>
internal sealed class ImageTeardownHandler(AgentParts parts) : IVerbHandler<ImageTeardownRequest, ImageTeardownReply>
{
    public async Task<ImageTeardownReply> HandleAsync(ImageTeardownRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(await parts.DataPath.Volumes.TeardownAsync(request.Domain, request.Image, cancellationToken).ConfigureAwait(false));
    }
}
