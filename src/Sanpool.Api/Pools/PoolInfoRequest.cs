namespace Sanpool.Api.Pools;

/// <summary><c>pool.info</c>: takes nothing.</summary>
public sealed record PoolInfoRequest;
