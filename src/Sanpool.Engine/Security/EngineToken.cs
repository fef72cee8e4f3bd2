namespace Sanpool.Engine.Security;

/// <summary>
/// One row of engine_tokens: a bearer token given to a user. Only its SHA-256
/// (<see cref="AccessTokens.HashOf"/>) is kept; the token itself was shown once, to the client.
/// </summary>
/// <param name="TokenHash">engine_tokens.token_hash: 64 lower-case hex digits.</param>
/// <param name="UserId">engine_tokens.user_id.</param>
/// <param name="Name">engine_tokens.name: what the client called it ("api" unless it said).</param>
/// <param name="Created">engine_tokens.created.</param>
/// <param name="Expires">engine_tokens.expires: refused from then on.</param>
/// <param name="LastUsed">engine_tokens.last_used: null until first used.</param>
public sealed record EngineToken(string TokenHash, Guid UserId, string Name, DateTimeOffset Created, DateTimeOffset Expires, DateTimeOffset? LastUsed);
