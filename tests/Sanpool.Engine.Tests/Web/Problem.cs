using System.Net;
using System.Text.Json.Nodes;

namespace Sanpool.Engine.Tests.Web;

/// <summary>Reads an answer that must be a problem document with a given status and error name.</summary>
internal static class Problem
{
    public static async Task<JsonNode> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(error, (string)problem["error"]!);
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.True((int)problem["code"]! is <= -1 and >= -1099, text);
        return problem;
    }
}
