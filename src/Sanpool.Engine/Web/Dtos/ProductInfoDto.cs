namespace Sanpool.Engine.Web.Dtos;

/// <summary>What answers: the product's name and version (oVirt's product_info).</summary>
public sealed record ProductInfoDto(string Name, string Version);
