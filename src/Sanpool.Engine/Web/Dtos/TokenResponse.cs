namespace Sanpool.Engine.Web.Dtos;

/// <summary>A bearer token (shown this once), its type ("Bearer") and seconds until it expires, as OAuth 2.0 answers.</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, long ExpiresIn);
