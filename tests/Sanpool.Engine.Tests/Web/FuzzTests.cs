using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Routing;
using Sanpool.Engine.Tests.Hosts;

namespace Sanpool.Engine.Tests.Web;

/// <summary>
/// A bounded fuzz of every endpoint the engine maps (found from its routing, so a new endpoint
/// is fuzzed without being listed here): odd ids in every route parameter, odd paging and
/// filter values, and bodies that are empty, truncated, of the wrong JSON type or full of odd
/// text, all as the admin, on an engine with an imported pool. Whatever it sends, the answer is
/// never a 500, and every error answer is a problem document.
/// </summary>
public sealed class FuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int CasesPerEndpoint = 24;

    private static readonly string[] OddIds =
    [
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "%2500", "..%2F..%2Fetc", "1'%20OR%20'1'='1",
        new string('9', 300), "%F0%9F%92%A9", "-1", "{}", Guid.NewGuid().ToString().ToUpperInvariant(),
    ];

    private static readonly string[] OddQueries =
    [
        "", "?max=0", "?max=-1", "?max=1001", "?max=abc", "?page=0", "?page=99999999999999", "?page=1&max=1",
        "?from=-5", "?from=abc", "?from=99999999999999999999", "?max=%00", "?page=1e3", "?unknown=1",
    ];

    private static readonly string[] OddBodies =
    [
        "", "{", "null", "[]", "\"text\"", "42", "{\"address\": 7}", "{\"address\": null}", "{\"address\": \"\"}",
        "{\"address\": \"/run/fake/nobody.sock\", \"spm_priority\": 99}", "{\"spm_priority\": \"high\"}",
        "{\"name\": \"x'); DROP TABLE images;--\", \"password\": \"p\", \"role\": \"root\"}",
        "{\"username\": \"admin\", \"password\": []}", "{\"current_password\": 1, \"new_password\": {}}",
        "{\"name\": \"\\u0000\\u202e\", \"role\": \"readonly\", \"password\": \"" + new string('p', 5000) + "\"}",
        "{\"a\": " + string.Concat(Enumerable.Repeat("[", 200)) + string.Concat(Enumerable.Repeat("]", 200)) + "}",
    ];

    [Fact]
    public async Task No_request_to_any_endpoint_gets_a_500_and_every_error_is_a_problem_document()
    {
        await using var engine = await HostsHarness.StartAsync();
        var pool = engine.Agents.Pool;
        engine.Agents.Add(1, spm: "SPM");
        engine.Agents.Add(2);
        using (var added = await engine.Admin.PostAsync(new Uri("/api/hosts", UriKind.Relative), Json("{\"address\": \"/run/fake/host1.sock\"}")))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        // Real ids too, so the fuzz reaches past the lookups.
        string[] ids = [.. OddIds, pool.Id.ToString(), pool.Domains[0].ToString(), pool.Disk.ToString()];
        var endpoints = ((IEndpointRouteBuilder)engine.App).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Route: e.RoutePattern)))
            .OrderBy(e => e.Route.RawText, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} endpoints found");

        // A bearer token rather than Basic: Basic runs PBKDF2 on every request. The fuzz may revoke
        // it (DELETE /api/tokens/current); then it logs in again.
        using var client = engine.App.GetTestClient();
        await LoginAsync(client);
        var statuses = new SortedDictionary<int, int>();
        var random = new Random(20261205);
        var failures = new List<string>();
        int sent = 0;
        foreach (var (method, route) in endpoints)
        {
            for (int i = 0; i < CasesPerEndpoint; i++)
            {
                string path = "/" + string.Join('/', route.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
                {
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                    _ => ids[random.Next(ids.Length)],
                }))));
                string uri = path + OddQueries[random.Next(OddQueries.Length)];
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(uri, UriKind.Relative));
                if (method is "POST" or "PUT" or "PATCH")
                {
                    request.Content = Json(OddBodies[random.Next(OddBodies.Length)]);
                }

                using var response = await client.SendAsync(request);
                sent++;
                int status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (status == 401)
                {
                    await LoginAsync(client);
                }

                string media = response.Content.Headers.ContentType?.MediaType ?? "";
                if (status == 500 || (status >= 400 && media != "application/problem+json"))
                {
                    failures.Add($"{method} {uri} -> {status} {media}: {Truncate(await response.Content.ReadAsStringAsync())}");
                }
            }
        }

        output.WriteLine($"{sent} requests to {endpoints.Count} endpoints: {string.Join(", ", statuses.Select(p => $"{p.Key} x{p.Value}"))}");
        Assert.True(statuses.Keys.Any(k => k < 300), "no request succeeded: the fuzz never got past the checks");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests:\n{string.Join('\n', failures.Distinct().Take(30))}");
    }

    private static async Task LoginAsync(HttpClient client)
    {
        client.DefaultRequestHeaders.Authorization = null;
        using var answer = await client.PostAsync(new Uri("/api/sso/token", UriKind.Relative),
            Json($"{{\"username\": \"admin\", \"password\": \"{HostsHarness.AdminPassword}\"}}"));
        answer.EnsureSuccessStatusCode();
        string token = (string)System.Text.Json.Nodes.JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["access_token"]!;
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
