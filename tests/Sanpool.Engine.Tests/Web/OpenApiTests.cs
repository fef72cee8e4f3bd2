using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Sanpool.Engine.Web;

namespace Sanpool.Engine.Tests.Web;

public sealed partial class OpenApiTests
{
    [Fact]
    public async Task The_OpenAPI_document_answers_without_a_login_and_lists_every_mapped_endpoint_with_its_responses()
    {
        await using var engine = await EngineHarness.StartAsync();
        using var response = await engine.Anonymous.GetAsync(new Uri(EngineOpenApi.DocumentPath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        // What routing serves, from the app itself: a future endpoint missing from the document fails here.
        var mapped = ((IEndpointRouteBuilder)engine.App).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => Normalize(e.RoutePattern.RawText ?? "") != EngineOpenApi.DocumentPath)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {Normalize(e.RoutePattern.RawText ?? "")}"))
            .ToHashSet(StringComparer.Ordinal);
        var documented = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject()
                .Where(op => op.Key is "get" or "put" or "post" or "delete" or "patch" or "head")
                .Select(op => $"{op.Key.ToUpperInvariant()} {Normalize(path.Key)}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(mapped);
        Assert.Equal(mapped.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));

        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var responses = operation!["responses"]!.AsObject();
                string where = $"{method} {path}";
                Assert.Contains(responses, r => r.Key.StartsWith('2'));
                Assert.True(responses["500"] is not null, $"{where} does not document 500");
                bool anonymous = operation["security"] is null;
                Assert.True(anonymous || responses["401"] is not null, $"{where} needs a login but does not document 401");
                Assert.False(string.IsNullOrEmpty((string?)operation["summary"]), $"{where} has no summary");
            }
        }

        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.NotNull(schemes["bearer"]);
        Assert.NotNull(schemes["basic"]);
        Assert.Null(document["paths"]!["/api/health"]!["get"]!["security"]);
        Assert.Equal(2, document["paths"]!["/api/users/me"]!["get"]!["security"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_document_names_properties_and_enums_as_the_API_sends_them()
    {
        await using var engine = await EngineHarness.StartAsync();
        string text = await engine.Anonymous.GetStringAsync(new Uri(EngineOpenApi.DocumentPath, UriKind.Relative));
        Assert.Contains("\"access_token\"", text, StringComparison.Ordinal);
        Assert.Contains("\"readonly\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"AccessToken\"", text, StringComparison.Ordinal);
    }

    /// <summary>"/api/disks/{id:guid}/" and "/api/disks/{id}" alike: no trailing slash, no constraints.</summary>
    private static string Normalize(string pattern)
    {
        string path = "/" + ParameterConstraint().Replace(pattern, "{$1}").Trim('/');
        return path;
    }

    [GeneratedRegex(@"\{\*?([^}:=?]+)[^}]*\}")]
    private static partial Regex ParameterConstraint();
}
