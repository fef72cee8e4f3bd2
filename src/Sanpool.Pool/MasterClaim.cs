namespace Sanpool.Pool;

/// <summary>A domain that says it is a pool's master, and the pool keys it holds (<see cref="MasterLookup"/>).</summary>
public sealed record MasterClaim(Guid Domain, PoolMetadata Pool);
