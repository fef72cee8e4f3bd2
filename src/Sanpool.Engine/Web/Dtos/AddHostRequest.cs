namespace Sanpool.Engine.Web.Dtos;

/// <summary>
/// <c>POST /api/hosts</c>: the agent's address (an absolute unix socket path, or http(s)://HOST:PORT
/// with its <paramref name="Token"/>), its SPM priority (-1 never, 0-10, default 5) and a name
/// (default: the name the agent gives).
/// </summary>
public sealed record AddHostRequest(string? Address, string? Token = null, int? SpmPriority = null, string? Name = null);
