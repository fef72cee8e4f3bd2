using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sanpool.Core;
using Sanpool.Engine.Web;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Security;

/// <summary>
/// Reads <c>Authorization</c>: <c>Bearer TOKEN</c> is looked up by the token's hash;
/// <c>Basic base64(user:password)</c> goes through <see cref="LoginCheck"/>. No header: no
/// result (the endpoint's policy decides). A wrong one: a failure whose reason the 401 carries.
/// Challenges and refusals are written as problem documents (UNAUTHENTICATED with
/// WWW-Authenticate; FORBIDDEN_READ_ONLY or ADMIN_REQUIRED).
/// </summary>
internal sealed class EngineAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IUserDirectory users,
    LoginCheck logins,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const string FailureKey = "sanpool.login_failure";

    private readonly ILogger _securityLog = loggerFactory.CreateLogger("Sanpool.Engine.Security");

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers.Authorization;
        if (values.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        string header = values.Count == 1 ? values[0] ?? "" : "";
        int space = header.IndexOf(' ', StringComparison.Ordinal);
        string scheme = space < 0 ? header : header[..space];
        string credentials = space < 0 ? "" : header[(space + 1)..].Trim();
        if (values.Count > 1)
        {
            return Fail("send one Authorization header");
        }

        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return await BearerAsync(credentials).ConfigureAwait(false);
        }

        return scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
            ? await BasicAsync(credentials).ConfigureAwait(false)
            : Fail($"the Authorization scheme '{LogText.Printable(scheme, 20)}' is neither Bearer nor Basic");
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        string message = Context.Items[FailureKey] as string
            ?? "log in first: 'Authorization: Bearer TOKEN' with a token from POST /api/sso/token, or 'Authorization: Basic' with a user and password";
        return EngineProblems.WriteAsync(Context, new SanpoolException(WebErrors.Unauthenticated, message));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        string user = Context.User.Identity?.Name ?? "?";
        bool reads = HttpMethods.IsGet(Request.Method) || HttpMethods.IsHead(Request.Method);
        var error = !reads && !Context.User.IsInRole(EngineRoles.AdminText)
            ? new SanpoolException(WebErrors.ForbiddenReadOnly, $"user '{user}' is read-only: it may only GET")
            : new SanpoolException(WebErrors.AdminRequired, $"only an admin may do this; user '{user}' is not one");
        return EngineProblems.WriteAsync(Context, error);
    }

    private async Task<AuthenticateResult> BearerAsync(string token)
    {
        var user = AccessTokens.IsWellFormed(token)
            ? await users.UseTokenAsync(AccessTokens.HashOf(token), time.GetUtcNow(), Context.RequestAborted).ConfigureAwait(false)
            : null;
        if (user is null)
        {
            SecurityLog.TokenRefused(_securityLog, Remote(Context));
            return Fail("the bearer token is unknown, expired or revoked: get a new one from POST /api/sso/token");
        }

        return Success(user, AccessTokens.HashOf(token));
    }

    private async Task<AuthenticateResult> BasicAsync(string credentials)
    {
        string pair;
        try
        {
            pair = Encoding.UTF8.GetString(Convert.FromBase64String(credentials));
        }
        catch (FormatException)
        {
            return Fail("Basic credentials are not base64 of user:password");
        }

        int colon = pair.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return Fail("Basic credentials are not base64 of user:password");
        }

        var user = await logins.CheckAsync(pair[..colon], pair[(colon + 1)..], "basic", Remote(Context), Context.RequestAborted).ConfigureAwait(false);
        return user is null ? Fail("wrong user name or password") : Success(user, null);
    }

    private AuthenticateResult Success(EngineUser user, string? tokenHash) =>
        AuthenticateResult.Success(new AuthenticationTicket(EngineAuthentication.Principal(user, tokenHash), Scheme.Name));

    private AuthenticateResult Fail(string why)
    {
        Context.Items[FailureKey] = why;
        return AuthenticateResult.Fail(why);
    }

    internal static string Remote(HttpContext http) =>
        http.Connection.RemoteIpAddress?.ToString() ?? "a local socket";
}
