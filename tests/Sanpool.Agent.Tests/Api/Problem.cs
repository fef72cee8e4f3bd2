using System.Text.Json;

namespace Sanpool.Agent.Tests.Api;

/// <summary>An RFC 7807 problem document as the API answers it, read and checked field by field.</summary>
internal sealed record Problem(int Status, string Title, string Detail, int Code, string Name, bool Transient)
{
    /// <summary>Reads the response as a problem document; fails the test if it is not a complete one.</summary>
    public static async Task<Problem> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var problem = new Problem(
            root.GetProperty("status").GetInt32(),
            root.GetProperty("title").GetString()!,
            root.GetProperty("detail").GetString()!,
            root.GetProperty("code").GetInt32(),
            root.GetProperty("name").GetString()!,
            root.GetProperty("transient").GetBoolean());
        Assert.Equal((int)response.StatusCode, problem.Status);
        Assert.Equal(problem.Name, problem.Title);
        Assert.Equal("urn:sanpool:error:" + problem.Name, root.GetProperty("type").GetString());
        return problem;
    }

    /// <summary>Asserts the response is a problem of <paramref name="status"/> and <paramref name="name"/>.</summary>
    public static async Task<Problem> ExpectAsync(HttpResponseMessage response, int status, string name)
    {
        var problem = await ReadAsync(response);
        Assert.True(status == problem.Status && name == problem.Name, $"expected {status} {name}, got {problem}");
        return problem;
    }
}
