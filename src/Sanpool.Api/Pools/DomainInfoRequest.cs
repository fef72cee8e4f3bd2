namespace Sanpool.Api.Pools;

/// <summary><c>domain.info</c>: the domain to describe.</summary>
public sealed record DomainInfoRequest(Guid Domain);
