namespace Sanpool.Pool.Resources;

/// <summary>
/// What a <see cref="ResourceKey"/> names. The order of the values is part of the global order
/// of keys: a domain before the images of it, an image before the volume ids claimed in it.
/// </summary>
public enum ResourceKind
{
    /// <summary>A whole domain of the pool: every task takes it shared; detach and master moves exclusively.</summary>
    Domain,

    /// <summary>An image (a disk): its chain.</summary>
    Image,

    /// <summary>A new volume id a request names, so two requests naming one id cannot both create it.</summary>
    Volume,
}
