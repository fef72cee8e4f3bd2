namespace Sanpool.Api.Pools;

/// <summary><c>pool.attach</c>: the domain to attach to the pool (SPM only).</summary>
public sealed record PoolAttachRequest(Guid Domain);
