using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// How a request logs in and what it may then do. One authentication scheme,
/// <see cref="Scheme"/> (<see cref="EngineAuthenticationHandler"/>), reads
/// <c>Authorization: Bearer TOKEN</c> (from <c>POST /api/sso/token</c>) or
/// <c>Authorization: Basic</c> (user:password, as oVirt accepts on every call). Authorization:
/// <list type="bullet">
/// <item>every endpoint, and every path that matches none, needs a login (the fallback policy),
/// except those marked AllowAnonymous: /api/health, /api/ca.pem, /api/sso/token, /api/openapi.json;</item>
/// <item>the default and fallback policy let a read-only user GET and HEAD only (<see cref="WriteNeedsAdminRequirement"/>);</item>
/// <item><see cref="AdminPolicy"/> is for what only an admin may see or do, whatever the method.</item>
/// </list>
/// </summary>
public static class EngineAuthentication
{
    public const string Scheme = "sanpool";
    public const string AdminPolicy = "admin";

    /// <summary>The claim holding the SHA-256 of the bearer token a request used (none for Basic).</summary>
    public const string TokenHashClaim = "sanpool:token_hash";

    public static IServiceCollection AddEngineSecurity(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, EngineAuthenticationHandler>(Scheme, _ => { });
        services.AddSingleton<IAuthorizationHandler, WriteNeedsAdminHandler>();
        services.AddSingleton<LoginCheck>();
        var loggedIn = new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().AddRequirements(new WriteNeedsAdminRequirement()).Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(loggedIn)
            .SetFallbackPolicy(loggedIn)
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireRole(EngineRoles.AdminText));
        return services;
    }

    /// <summary>The principal of a logged-in <paramref name="user"/>; <paramref name="tokenHash"/> when it came with a bearer token.</summary>
    public static ClaimsPrincipal Principal(EngineUser user, string? tokenHash)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.UserId.ToString()),
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, EngineRoles.ToText(user.Role)),
        };
        if (tokenHash is not null)
        {
            claims.Add(new Claim(TokenHashClaim, tokenHash));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>The user id of a logged-in principal.</summary>
    public static Guid UserId(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("not logged in"));
    }

    /// <summary>The bearer token's hash the request used, or null (Basic).</summary>
    public static string? TokenHash(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.FindFirstValue(TokenHashClaim);
    }
}
