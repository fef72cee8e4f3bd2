namespace Sanpool.Engine.Web.Dtos;

/// <summary>A reference to another resource, as oVirt nests them: <c>{ "id": "...", "href": "/api/hosts/..." }</c>.</summary>
public sealed record RefDto(Guid Id, string Href);
