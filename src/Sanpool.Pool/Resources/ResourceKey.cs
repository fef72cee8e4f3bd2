namespace Sanpool.Pool.Resources;

/// <summary>
/// A resource of the SPM's <see cref="ResourceManager"/>, named as VDSM names its resource
/// namespaces: per domain, then an image or a volume id in it (<see cref="Guid.Empty"/> for the
/// domain itself). Keys are totally ordered (domain, kind, id); claims list their keys in that
/// order, which is the one global order of the SPM's locks.
/// </summary>
public readonly record struct ResourceKey(ResourceKind Kind, Guid Domain, Guid Id) : IComparable<ResourceKey>
{
    public static ResourceKey OfDomain(Guid domain) => new(ResourceKind.Domain, domain, Guid.Empty);

    public static ResourceKey OfImage(Guid domain, Guid image) => new(ResourceKind.Image, domain, image);

    public static ResourceKey OfVolume(Guid domain, Guid volume) => new(ResourceKind.Volume, domain, volume);

    public int CompareTo(ResourceKey other)
    {
        int c = Domain.CompareTo(other.Domain);
        if (c != 0)
        {
            return c;
        }

        c = Kind.CompareTo(other.Kind);
        return c != 0 ? c : Id.CompareTo(other.Id);
    }

    public static bool operator <(ResourceKey left, ResourceKey right) => left.CompareTo(right) < 0;

    public static bool operator >(ResourceKey left, ResourceKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(ResourceKey left, ResourceKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ResourceKey left, ResourceKey right) => left.CompareTo(right) >= 0;

    public override string ToString() => Kind switch
    {
        ResourceKind.Domain => $"domain {Domain}",
        ResourceKind.Image => $"image {Id} of domain {Domain}",
        _ => $"volume id {Id} of domain {Domain}",
    };
}
