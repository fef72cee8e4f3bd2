namespace Sanpool.Engine.Web.Dtos;

/// <summary>A link to a resource, as oVirt's entry point lists its collections: <c>{ "rel": "hosts", "href": "/api/hosts" }</c>.</summary>
public sealed record LinkDto(string Rel, string Href);
