namespace Sanpool.Api.Pools;

/// <summary><c>pool.move-master</c>: the domain that becomes master (SPM only).</summary>
public sealed record MoveMasterRequest(Guid Domain);
