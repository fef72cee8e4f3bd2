using Sanpool.Pool.Resources;

namespace Sanpool.Pool.Spm.Structural;

/// <summary>The resources a structural verb names in its <see cref="TaskPlan"/>.</summary>
internal static class Claims
{
    /// <summary>An image the verb changes: nobody else may touch it meanwhile.</summary>
    public static ResourceRequest Changes(Guid domain, Guid image) => ResourceRequest.Exclusive(ResourceKey.OfImage(domain, image));

    /// <summary>An image the verb only reads (a copy's source, a template under a new image).</summary>
    public static ResourceRequest Reads(Guid domain, Guid image) => ResourceRequest.Shared(ResourceKey.OfImage(domain, image));

    /// <summary>A domain the verb works in: held shared, so that only a domain-wide change waits for it.</summary>
    public static ResourceRequest InDomain(Guid domain) => ResourceRequest.Shared(ResourceKey.OfDomain(domain));

    /// <summary>
    /// A new volume id the request named. Without it, two requests naming one id on different
    /// images could both start, and the loser's undo would remove the winner's LV.
    /// </summary>
    public static ResourceRequest NewVolume(Guid domain, Guid volume) => ResourceRequest.Exclusive(ResourceKey.OfVolume(domain, volume));
}
