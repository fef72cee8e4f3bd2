namespace Sanpool.Engine.Web.Dtos;

/// <summary>
/// POST /api/sso/token, as JSON or as oVirt's SSO form
/// (<c>grant_type=password&amp;username=..&amp;password=..&amp;scope=..</c>). <see cref="Name"/>
/// labels the token (default "api"); <see cref="Scope"/> is accepted and ignored.
/// </summary>
public sealed record TokenRequest(string? Username, string? Password, string? GrantType = null, string? Scope = null, string? Name = null);
