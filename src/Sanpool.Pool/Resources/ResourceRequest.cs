namespace Sanpool.Pool.Resources;

/// <summary>One resource a claim asks for, and how.</summary>
public readonly record struct ResourceRequest(ResourceKey Key, LockMode Mode)
{
    public static ResourceRequest Shared(ResourceKey key) => new(key, LockMode.Shared);

    public static ResourceRequest Exclusive(ResourceKey key) => new(key, LockMode.Exclusive);

    /// <summary>Whether this and <paramref name="other"/> may not be held at once.</summary>
    public bool ConflictsWith(ResourceRequest other) =>
        Key == other.Key && (Mode == LockMode.Exclusive || other.Mode == LockMode.Exclusive);

    public override string ToString() => $"{Key} ({(Mode == LockMode.Exclusive ? "exclusive" : "shared")})";
}
