namespace Sanpool.Api.Pools;

/// <summary><c>domain.check</c>: the domain to cross-check (read-only; no lease taken).</summary>
public sealed record DomainCheckRequest(Guid Domain);
