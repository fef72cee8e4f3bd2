using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Sanpool.Engine.Tests.Web;

namespace Sanpool.Engine.Tests.Security;

public sealed class AuthenticationTests
{
    [Fact]
    public async Task The_token_endpoint_answers_JSON_credentials_with_a_bearer_token()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var response = await engine.Anonymous.PostAsJsonAsync("/api/sso/token", new { username = "admin", password = EngineHarness.AdminPassword });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Bearer", (string)body["token_type"]!);
        Assert.Equal(43, ((string)body["access_token"]!).Length);
        Assert.Equal(12 * 3600, (long)body["expires_in"]!);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task The_token_endpoint_takes_oVirt_s_SSO_form_with_grant_type_password()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["username"] = "admin@internal",
            ["password"] = EngineHarness.AdminPassword,
            ["scope"] = "ovirt-app-api",
        });
        using var response = await engine.Anonymous.PostAsync(new Uri("/api/sso/token", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string token = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
        using var client = engine.Bearer(token);
        var me = JsonNode.Parse(await client.GetStringAsync(new Uri("/api/users/me", UriKind.Relative)))!;
        Assert.Equal("admin", (string)me["name"]!);
        Assert.Equal("admin", (string)me["role"]!);

        using var other = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["username"] = "admin", ["password"] = "x" });
        await Problem.AssertAsync(await engine.Anonymous.PostAsync(new Uri("/api/sso/token", UriKind.Relative), other), HttpStatusCode.BadRequest, "BAD_REQUEST");
    }

    [Fact]
    public async Task A_wrong_password_is_401_with_a_challenge_and_the_log_names_the_user_but_never_the_password()
    {
        await using var engine = await EngineHarness.StartAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await engine.Anonymous.PostAsJsonAsync("/api/sso/token", new { username = "admin", password = "guess-number-one" });
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"answered after {clock.Elapsed}");
        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        Assert.Contains(engine.Logs.Lines, l => l.Contains("login failed: user 'admin'", StringComparison.Ordinal) && l.Contains("wrong password", StringComparison.Ordinal));
        Assert.DoesNotContain("guess-number-one", engine.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bearer_and_basic_logins_get_200_none_and_wrong_ones_get_401()
    {
        await using var engine = await EngineHarness.StartAsync();
        var me = new Uri("/api/users/me", UriKind.Relative);
        using var bearer = engine.Bearer(await engine.TokenAsync("reader", EngineHarness.ReaderPassword));
        using var basic = engine.Reader();
        using var wrongBasic = engine.Basic("reader", "not-the-password");
        using var wrongBearer = engine.Bearer(Sanpool.Engine.Security.AccessTokens.NewToken());
        using var garbage = engine.Bearer("not a token at all");

        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync(me)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync(me)).StatusCode);
        var none = await Problem.AssertAsync(await engine.Anonymous.GetAsync(me), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Contains("/api/sso/token", (string)none["detail"]!, StringComparison.Ordinal);
        await Problem.AssertAsync(await wrongBasic.GetAsync(me), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await Problem.AssertAsync(await wrongBearer.GetAsync(me), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await Problem.AssertAsync(await garbage.GetAsync(me), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
    }

    [Fact]
    public async Task A_read_only_user_may_GET_but_anything_else_is_403()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var reader = engine.Reader();
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync(new Uri("/api", UriKind.Relative))).StatusCode);
        var refused = await Problem.AssertAsync(
            await reader.PostAsJsonAsync("/api/users", new { name = "eve", password = "12345678", role = "admin" }), HttpStatusCode.Forbidden, "FORBIDDEN_READ_ONLY");
        Assert.Contains("reader", (string)refused["detail"]!, StringComparison.Ordinal);
        await Problem.AssertAsync(await reader.DeleteAsync(new Uri("/api/tokens/current", UriKind.Relative)), HttpStatusCode.Forbidden, "FORBIDDEN_READ_ONLY");
        await Problem.AssertAsync(await reader.GetAsync(new Uri("/api/users", UriKind.Relative)), HttpStatusCode.Forbidden, "ADMIN_REQUIRED");
        Assert.Null(await engine.Users.FindUserAsync("eve", CancellationToken.None));
    }

    [Fact]
    public async Task An_admin_adds_a_user_who_then_logs_in_with_its_role_and_a_second_one_of_that_name_is_409()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        using var created = await admin.PostAsJsonAsync("/api/users", new { name = "ops.viewer", password = "viewer-password", role = "readonly" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Equal("readonly", (string)user["role"]!);
        Assert.Null(user["password_hash"]);

        using var viewer = engine.Bearer(await engine.TokenAsync("ops.viewer", "viewer-password"));
        Assert.Equal("readonly", (string)JsonNode.Parse(await viewer.GetStringAsync(new Uri("/api/users/me", UriKind.Relative)))!["role"]!);

        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/users", new { name = "ops.viewer", password = "another-password", role = "admin" }), HttpStatusCode.Conflict, "USER_EXISTS");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/users", new { name = "bad name", password = "another-password", role = "admin" }), HttpStatusCode.BadRequest, "BAD_USER");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/users", new { name = "short", password = "1234", role = "admin" }), HttpStatusCode.BadRequest, "BAD_USER");
        await Problem.AssertAsync(await admin.PostAsJsonAsync("/api/users", new { name = "root", password = "long-enough", role = "superuser" }), HttpStatusCode.BadRequest, "BAD_USER");
    }

    [Fact]
    public async Task A_revoked_token_is_refused_and_revoking_needs_a_token()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var client = engine.Bearer(await engine.TokenAsync("admin", EngineHarness.AdminPassword));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(new Uri("/api/tokens/current", UriKind.Relative))).StatusCode);
        await Problem.AssertAsync(await client.GetAsync(new Uri("/api/users/me", UriKind.Relative)), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using var basic = engine.Admin();
        await Problem.AssertAsync(await basic.DeleteAsync(new Uri("/api/tokens/current", UriKind.Relative)), HttpStatusCode.BadRequest, "NO_TOKEN");
    }

    [Fact]
    public async Task Changing_a_password_needs_the_current_one_and_the_old_one_stops_working()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        var uri = new Uri("/api/users/me/password", UriKind.Relative);
        await Problem.AssertAsync(await admin.PutAsJsonAsync(uri, new { password = "wrong-current", new_password = "brand-new-password" }), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsJsonAsync(uri, new { password = EngineHarness.AdminPassword, new_password = "brand-new-password" })).StatusCode);
        await Problem.AssertAsync(await admin.GetAsync(new Uri("/api/users/me", UriKind.Relative)), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using var renewed = engine.Basic("admin", "brand-new-password");
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync(new Uri("/api/users/me", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_path_that_matches_nothing_needs_a_login_too_and_then_is_a_404_problem()
    {
        await using var engine = await EngineHarness.StartAsync();
        await Problem.AssertAsync(await engine.Anonymous.GetAsync(new Uri("/api/nothing-here", UriKind.Relative)), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        await Problem.AssertAsync(await engine.Anonymous.GetAsync(new Uri("/", UriKind.Relative)), HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        using var admin = engine.Admin();
        await Problem.AssertAsync(await admin.GetAsync(new Uri("/api/nothing-here", UriKind.Relative)), HttpStatusCode.NotFound, "PATH_NOT_FOUND");
        await Problem.AssertAsync(await admin.DeleteAsync(new Uri("/api/health", UriKind.Relative)), HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }
}
