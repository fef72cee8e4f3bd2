namespace Sanpool.Api.Pools;

/// <summary><c>domain.volumes</c>: the domain whose volumes to show, each as its four records say.</summary>
public sealed record DomainVolumesRequest(Guid Domain);
