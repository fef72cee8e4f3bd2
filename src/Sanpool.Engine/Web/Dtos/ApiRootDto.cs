namespace Sanpool.Engine.Web.Dtos;

/// <summary>GET /api: the entry point, as oVirt's: the product, the logged-in user, and a link to each collection.</summary>
public sealed record ApiRootDto(ProductInfoDto ProductInfo, string User, IReadOnlyList<LinkDto> Links);
