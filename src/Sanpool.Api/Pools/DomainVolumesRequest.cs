namespace Sanpool.Api.Pools;

/// <summary>
/// <c>domain.volumes</c>: the domain whose volumes to show, each as its four records say; with
/// <paramref name="Image"/>, only that image's volumes and chain (a job reading back the one
/// disk it changed opens no other volume's header).
/// </summary>
public sealed record DomainVolumesRequest(Guid Domain, Guid? Image = null);
