using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web.Dtos;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web;

/// <summary>
/// Logging in and the users:
/// <code>
/// POST   /api/sso/token           anonymous: user name and password (JSON or oVirt's SSO form) -> bearer token
/// GET    /api/users/me            who is logged in
/// PUT    /api/users/me/password   change one's password (the current one and the new one)
/// GET    /api/users               admin: the users, paged
/// POST   /api/users               admin: add a user with a role
/// DELETE /api/tokens/current      revoke the bearer token this request came with
/// </code>
/// </summary>
public static class AuthEndpoints
{
    public const string DefaultTokenName = "api";
    private const int MinPassword = 8;
    private const int MaxPassword = 1024;
    private const int MaxName = 64;

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder api)
    {
        api.MapPost("/sso/token", IssueTokenAsync)
            .AllowAnonymous()
            .DocumentsBody<TokenRequest>("application/json", "application/x-www-form-urlencoded")
            .ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status415UnsupportedMediaType)
            .WithName("CreateToken").WithSummary("Log in: a bearer token for a user name and password").WithTags("auth");
        api.MapGet("/users/me", GetMeAsync).RequiresLogin()
            .WithName("GetCurrentUser").WithSummary("The logged-in user").WithTags("auth");
        api.MapPut("/users/me/password", ChangePasswordAsync).RequiresLogin()
            .WithName("ChangePassword").WithSummary("Change the logged-in user's password").WithTags("auth");
        api.MapGet("/users", ListUsersAsync).RequiresLogin().RequireAuthorization(EngineAuthentication.AdminPolicy)
            .WithName("ListUsers").WithSummary("The users, by name (admin only)").WithTags("auth");
        api.MapPost("/users", AddUserAsync).RequiresLogin().RequireAuthorization(EngineAuthentication.AdminPolicy)
            .ProducesProblems(StatusCodes.Status409Conflict)
            .WithName("AddUser").WithSummary("Add a user with a role, admin or readonly (admin only)").WithTags("auth");
        api.MapDelete("/tokens/current", RevokeCurrentTokenAsync).RequiresLogin()
            .WithName("RevokeCurrentToken").WithSummary("Revoke the bearer token this request came with").WithTags("auth");
        return api;
    }

    private static async Task<Ok<TokenResponse>> IssueTokenAsync(
        HttpRequest request, LoginCheck logins, IUserDirectory users, EngineConfig config, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var sent = await ReadTokenRequestAsync(request, cancellationToken).ConfigureAwait(false);
        if (sent.GrantType is not (null or "password"))
        {
            throw new SanpoolException(WebErrors.BadRequest, $"grant_type '{LogText.Printable(sent.GrantType, 40)}' is not supported; use password");
        }

        if (string.IsNullOrEmpty(sent.Username) || sent.Password is null)
        {
            throw new SanpoolException(WebErrors.BadRequest, "give username and password");
        }

        string name = sent.Name ?? DefaultTokenName;
        if (name.Length is 0 or > MaxName || name.Any(char.IsControl))
        {
            throw new SanpoolException(WebErrors.BadRequest, $"a token's name has 1-{MaxName} printable characters");
        }

        string remote = EngineAuthenticationHandler.Remote(request.HttpContext);
        var user = await logins.CheckAsync(sent.Username, sent.Password, "token request", remote, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(WebErrors.Unauthenticated, "wrong user name or password");
        string token = AccessTokens.NewToken();
        var now = time.GetUtcNow();
        var expires = now + config.TokenLifetime;
        await users.AddTokenAsync(new EngineToken(AccessTokens.HashOf(token), user.UserId, name, now, expires, null), cancellationToken).ConfigureAwait(false);
        SecurityLog.TokenIssued(logs.CreateLogger(typeof(LoginCheck).Namespace!), user.Name, remote, LogText.Printable(name, MaxName), expires);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (long)config.TokenLifetime.TotalSeconds));
    }

    private static async Task<TokenRequest> ReadTokenRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            string? Field(string key) => form.TryGetValue(key, out var v) ? v.ToString() : null;
            return new TokenRequest(Field("username"), Field("password"), Field("grant_type"), Field("scope"), Field("name"));
        }

        if (!request.HasJsonContentType())
        {
            throw new SanpoolException(WebErrors.UnsupportedMediaType, "send the token request as application/json or application/x-www-form-urlencoded");
        }

        try
        {
            return await request.ReadFromJsonAsync<TokenRequest>(cancellationToken).ConfigureAwait(false)
                ?? throw new SanpoolException(WebErrors.BadRequest, "the body is null; give {\"username\": ..., \"password\": ...}");
        }
        catch (JsonException e)
        {
            throw new SanpoolException(WebErrors.BadRequest, $"the body is not a token request: {LogText.Printable(e.Message, 200)}");
        }
    }

    private static async Task<Ok<UserDto>> GetMeAsync(ClaimsPrincipal principal, IUserDirectory users, CancellationToken cancellationToken) =>
        TypedResults.Ok(UserDto.From(await CurrentUserAsync(principal, users, cancellationToken).ConfigureAwait(false)));

    private static async Task<NoContent> ChangePasswordAsync(
        ChangePasswordRequest body, ClaimsPrincipal principal, HttpContext http, IUserDirectory users, LoginCheck logins, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var user = await CurrentUserAsync(principal, users, cancellationToken).ConfigureAwait(false);
        string newPassword = CheckPassword(body.NewPassword, "new_password");
        _ = await logins.CheckAsync(user.Name, body.Password ?? "", "password change", EngineAuthenticationHandler.Remote(http), cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(WebErrors.Unauthenticated, "password: not the current password");
        await users.SetPasswordAsync(user.UserId, PasswordHasher.Hash(newPassword), cancellationToken).ConfigureAwait(false);
        SecurityLog.PasswordChanged(logs.CreateLogger(typeof(LoginCheck).Namespace!), user.Name);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<UserDto>>> ListUsersAsync(int? max, int? page, HttpContext http, IUserDirectory users, CancellationToken cancellationToken)
    {
        var request = PageRequest.From(max, page);
        var items = await users.ListUsersAsync(request.Offset, request.Max, cancellationToken).ConfigureAwait(false);
        long total = await users.CountUsersAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Paging.Answer(http, request, items.Select(UserDto.From).ToList(), total));
    }

    private static async Task<Created<UserDto>> AddUserAsync(
        CreateUserRequest body, ClaimsPrincipal principal, IUserDirectory users, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        string name = body.Name ?? "";
        if (name.Length is 0 or > MaxName || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            throw new SanpoolException(WebErrors.BadUser, $"name: 1-{MaxName} ASCII letters, digits, '.', '_', '-' or '@'");
        }

        string password = CheckPassword(body.Password, "password");
        var role = EngineRoles.TryParse(body.Role)
            ?? throw new SanpoolException(WebErrors.BadUser, $"role: \"{LogText.Printable(body.Role, 20)}\" is not {EngineRoles.AdminText} or {EngineRoles.ReadOnlyText}");
        var user = new EngineUser(Guid.NewGuid(), name, PasswordHasher.Hash(password), role, time.GetUtcNow());
        await users.AddUserAsync(user, cancellationToken).ConfigureAwait(false);
        SecurityLog.UserAdded(logs.CreateLogger(typeof(LoginCheck).Namespace!), principal.Identity?.Name ?? "?", name, EngineRoles.ToText(role));
        return TypedResults.Created((string?)null, UserDto.From(user));
    }

    private static async Task<NoContent> RevokeCurrentTokenAsync(ClaimsPrincipal principal, IUserDirectory users, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        string hash = EngineAuthentication.TokenHash(principal)
            ?? throw new SanpoolException(WebErrors.NoToken, "this request logged in with Basic, not a bearer token; there is no token to revoke");
        _ = await users.RevokeTokenAsync(hash, cancellationToken).ConfigureAwait(false);
        SecurityLog.TokenRevoked(logs.CreateLogger(typeof(LoginCheck).Namespace!), principal.Identity?.Name ?? "?");
        return TypedResults.NoContent();
    }

    private static async Task<EngineUser> CurrentUserAsync(ClaimsPrincipal principal, IUserDirectory users, CancellationToken cancellationToken) =>
        await users.FindUserAsync(principal.Identity?.Name ?? "", cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(WebErrors.Unauthenticated, "the logged-in user no longer exists");

    private static string CheckPassword(string? password, string field) =>
        password is { Length: >= MinPassword and <= MaxPassword }
            ? password
            : throw new SanpoolException(WebErrors.BadUser, $"{field}: {MinPassword}-{MaxPassword} characters");
}
