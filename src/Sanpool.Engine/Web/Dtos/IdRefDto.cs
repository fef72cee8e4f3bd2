namespace Sanpool.Engine.Web.Dtos;

/// <summary>A reference in a request body, by id: <c>{ "id": "..." }</c>.</summary>
public sealed record IdRefDto(string? Id);
