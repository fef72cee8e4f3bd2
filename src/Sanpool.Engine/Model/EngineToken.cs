namespace Sanpool.Engine.Model;

/// <summary>A row of <c>engine_tokens</c> (Sanpool's own): a bearer token for API clients.</summary>
/// <param name="TokenHash">SHA-256 of the token, lowercase hex; the token itself is never stored.</param>
public sealed record EngineToken(
    string TokenHash,
    Guid UserId,
    string Name,
    DateTimeOffset Created,
    DateTimeOffset? Expires,
    DateTimeOffset? LastUsed);
