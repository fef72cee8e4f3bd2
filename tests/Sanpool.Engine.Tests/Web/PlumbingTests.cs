using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web;
using Sanpool.TestSupport;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Tests.Web;

public sealed class PlumbingTests
{
    /// <summary>Every code the engine's own layers throw answers with the status its meaning calls for, never 500.</summary>
    [Theory]
    [InlineData(-1003, 404)]
    [InlineData(-1004, 409)]
    [InlineData(-1005, 409)]
    [InlineData(-1060, 409)]
    public void The_engines_error_codes_map_to_the_HTTP_status_of_their_meaning(int code, int status)
    {
        var known = typeof(EngineErrors).GetFields().Concat(typeof(WebErrors).GetFields())
            .Select(f => f.GetValue(null)).OfType<ErrorCode>().Single(c => c.Value == code);
        Assert.Equal(status, EngineProblems.StatusFor(known, isTransient: false));
    }

    [Fact]
    public async Task Health_answers_without_a_login()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var response = await engine.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("ok", (string)body["status"]!);
        Assert.False(string.IsNullOrEmpty((string)body["version"]!));
    }

    [Fact]
    public async Task The_CA_answers_without_a_login_as_PEM()
    {
        using var dir = new TempDir("engine-web");
        using var certificates = await EngineCertificateAuthority.LoadOrCreateAsync(dir.File("pki"), TimeProvider.System, NullLogger.Instance, CancellationToken.None);
        await using var engine = await EngineHarness.StartAsync(certificates: certificates);
        using var response = await engine.Anonymous.GetAsync(new Uri("/api/ca.pem", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-pem-file", response.Content.Headers.ContentType?.MediaType);
        var served = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await response.Content.ReadAsStringAsync());
        Assert.Equal(certificates.Authority!.Thumbprint, served.Thumbprint);
    }

    [Fact]
    public async Task The_API_root_lists_oVirt_s_collections_with_links()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        var root = JsonNode.Parse(await admin.GetStringAsync(new Uri("/api", UriKind.Relative)))!;
        Assert.Equal("sanpool-engine", (string)root["product_info"]!["name"]!);
        var links = root["links"]!.AsArray().ToDictionary(l => (string)l!["rel"]!, l => (string)l!["href"]!);
        foreach (string collection in new[] { "datacenters", "hosts", "storagedomains", "disks", "vms", "jobs", "events" })
        {
            Assert.Equal($"/api/{collection}", links[collection]);
        }
    }

    [Fact]
    public async Task A_Correlation_Id_is_echoed_and_one_is_made_when_absent()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var sent = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        sent.Headers.Add("Correlation-Id", "job-42_resize.disk");
        using var echoed = await engine.Anonymous.SendAsync(sent);
        Assert.Equal("job-42_resize.disk", echoed.Headers.GetValues("Correlation-Id").Single());

        using var first = await engine.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative));
        using var second = await engine.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative));
        string made = first.Headers.GetValues("Correlation-Id").Single();
        Assert.True(Guid.TryParse(made, out _), made);
        Assert.NotEqual(made, second.Headers.GetValues("Correlation-Id").Single());

        using var refused = await engine.Anonymous.GetAsync(new Uri("/api/users/me", UriKind.Relative));
        Assert.Single(refused.Headers.GetValues("Correlation-Id"));
    }

    [Fact]
    public async Task Handlers_see_the_request_s_Correlation_Id()
    {
        await using var engine = await EngineHarness.StartAsync(api => api.MapGet("/test/correlation", (CorrelationContext c) => TypedResults.Ok(c.Id)));
        using var admin = engine.Admin();
        using var sent = new HttpRequestMessage(HttpMethod.Get, "/api/test/correlation");
        sent.Headers.Add("Correlation-Id", "abc123");
        using var response = await admin.SendAsync(sent);
        Assert.Equal("\"abc123\"", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("123456789012345678901234567890123456789012345678901")]
    public async Task A_bad_Correlation_Id_is_400(string id)
    {
        await using var engine = await EngineHarness.StartAsync();
        using var sent = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        Assert.True(sent.Headers.TryAddWithoutValidation("Correlation-Id", id));
        using var response = await engine.Anonymous.SendAsync(sent);
        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "BAD_CORRELATION_ID");
        Assert.True(Guid.TryParse(response.Headers.GetValues("Correlation-Id").Single(), out _));
    }

    [Fact]
    public async Task A_body_over_max_body_bytes_is_413_and_one_under_it_is_read()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        string big = new('x', (int)EngineHarness.MaxBodyBytes);
        using var tooLarge = new StringContent($$"""{"name": "big", "password": "{{big}}", "role": "admin"}""", Encoding.UTF8, "application/json");
        var problem = await Problem.AssertAsync(await admin.PostAsync(new Uri("/api/users", UriKind.Relative), tooLarge), HttpStatusCode.RequestEntityTooLarge, "BODY_TOO_LARGE");
        Assert.Contains("max_body_bytes", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Null(await engine.Users.FindUserAsync("big", CancellationToken.None));

        using var small = await admin.PostAsJsonAsync("/api/users", new { name = "small", password = new string('x', 100), role = "admin" });
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
    }

    [Fact]
    public async Task A_malformed_JSON_body_is_a_400_problem()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        using var body = new StringContent("{\"name\": ", Encoding.UTF8, "application/json");
        await Problem.AssertAsync(await admin.PostAsync(new Uri("/api/users", UriKind.Relative), body), HttpStatusCode.BadRequest, "BAD_REQUEST");
        using var token = new StringContent("[1, 2", Encoding.UTF8, "application/json");
        await Problem.AssertAsync(await engine.Anonymous.PostAsync(new Uri("/api/sso/token", UriKind.Relative), token), HttpStatusCode.BadRequest, "BAD_REQUEST");
        using var text = new StringContent("username=admin", Encoding.UTF8, "text/plain");
        await Problem.AssertAsync(await engine.Anonymous.PostAsync(new Uri("/api/sso/token", UriKind.Relative), text), HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task An_exception_in_a_handler_is_a_500_problem_with_a_trace_id_and_no_stack_trace()
    {
        await using var engine = await EngineHarness.StartAsync(api => api.MapGet("/test/throw", string () => throw new InvalidOperationException("secret internals at /srv/engine")));
        using var admin = engine.Admin();
        using var response = await admin.GetAsync(new Uri("/api/test/throw", UriKind.Relative));
        var problem = await Problem.AssertAsync(response, HttpStatusCode.InternalServerError, "ENGINE_INTERNAL");
        string text = problem.ToJsonString();
        Assert.DoesNotContain("secret internals", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        string traceId = (string)problem["trace_id"]!;
        Assert.Contains(traceId, (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Contains(engine.Logs.Lines, l => l.Contains(traceId, StringComparison.Ordinal) && l.Contains("secret internals", StringComparison.Ordinal));
        Assert.Single(response.Headers.GetValues("Correlation-Id"));
    }

    [Theory]
    [InlineData("DISK_LOCKED", 409)]
    [InlineData("DISK_NOT_FOUND", 404)]
    [InlineData("IMAGE_EXISTS", 409)]
    [InlineData("BAD_SIZE", 400)]
    [InlineData("INVALID_NAME", 400)]
    [InlineData("SOMETHING_BROKE", 500)]
    public async Task A_SanpoolException_keeps_its_code_and_gets_the_status_its_name_says(string name, int status)
    {
        var code = new ErrorCode(-1010, name);
        await using var engine = await EngineHarness.StartAsync(api => api.MapGet("/test/fail", string () => throw new SanpoolException(code, $"{name} happened")));
        using var admin = engine.Admin();
        var problem = await Problem.AssertAsync(await admin.GetAsync(new Uri("/api/test/fail", UriKind.Relative)), (HttpStatusCode)status, name);
        Assert.Equal(-1010, (int)problem["code"]!);
        Assert.Equal($"{name} happened", (string)problem["detail"]!);
    }

    [Theory]
    [InlineData("max=0")]
    [InlineData("max=1001")]
    [InlineData("page=0")]
    [InlineData("page=-1")]
    [InlineData("max=-5&page=2")]
    public async Task Paging_out_of_bounds_is_400_BAD_PAGE(string query)
    {
        await using var engine = await EngineHarness.StartAsync();
        using var admin = engine.Admin();
        await Problem.AssertAsync(await admin.GetAsync(new Uri("/api/users?" + query, UriKind.Relative)), HttpStatusCode.BadRequest, "BAD_PAGE");
    }

    [Fact]
    public async Task A_list_answers_one_page_with_its_total_and_links_to_the_pages_beside_it()
    {
        await using var engine = await EngineHarness.StartAsync();
        string hash = PasswordHasher.Hash("unused-password");
        foreach (string name in new[] { "u1", "u2", "u3" })
        {
            await engine.Users.AddUserAsync(new EngineUser(Guid.NewGuid(), name, hash, EngineRole.ReadOnly, DateTimeOffset.UtcNow), CancellationToken.None);
        }

        using var admin = engine.Admin();
        using var response = await admin.GetAsync(new Uri("/api/users?max=2&page=2", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(5, (long)page["total"]!);
        Assert.Equal(2, (int)page["page"]!);
        Assert.Equal(2, (int)page["max"]!);
        Assert.Equal(new[] { "u1", "u2" }, page["items"]!.AsArray().Select(u => (string)u!["name"]!));
        Assert.Equal("/api/users?max=2&page=3", (string)page["next"]!);
        Assert.Equal("/api/users?max=2&page=1", (string)page["prev"]!);
        string link = string.Join(", ", response.Headers.GetValues("Link"));
        Assert.Contains("</api/users?max=2&page=3>; rel=\"next\"", link, StringComparison.Ordinal);
        Assert.Contains("</api/users?max=2&page=1>; rel=\"prev\"", link, StringComparison.Ordinal);

        var all = JsonNode.Parse(await admin.GetStringAsync(new Uri("/api/users", UriKind.Relative)))!;
        Assert.Equal(100, (int)all["max"]!);
        Assert.Equal(5, all["items"]!.AsArray().Count);
        Assert.Null(all["next"]);
    }
}
