namespace Sanpool.Api.Pools;

/// <summary><c>pool.detach</c>: the domain to detach from the pool (SPM only).</summary>
public sealed record PoolDetachRequest(Guid Domain);
