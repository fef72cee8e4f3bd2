namespace Sanpool.Engine.Web.Dtos;

/// <summary>GET /api/health: "ok" while the engine serves, and its version.</summary>
public sealed record HealthDto(string Status, string Version);
