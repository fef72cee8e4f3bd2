using System.Text.Json.Nodes;
using Sanpool.Core;
using Sanpool.Pool;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>Every verb goes through the client and the server, over the unix socket and over TCP, and comes back as the verb answered.</summary>
public sealed class RoundTripTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> None = [];

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task Every_verb_round_trips_through_the_client(string transport)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var client = api.Client(transport);
        string domain = FakeAgentVerbs.Domain.ToString();
        string image = Guid.NewGuid().ToString();

        Assert.Equal("fake", (string?)(await client.InvokeAsync("status", None, default))["host_name"]);
        Assert.Equal(domain, (string?)(await client.InvokeAsync("pool.info", None, default))["master_domain"]);
        Assert.Equal(5, (int?)(await client.InvokeAsync("domain.info", new Dictionary<string, string> { ["domain"] = domain }, default))["version"]);
        Assert.Equal("Free", (string?)(await client.InvokeAsync("spm.status", None, default))["state"]);
        Assert.Equal("SPM", (string?)(await client.InvokeAsync("spm.start", None, default))["state"]);
        var tasks = new List<string>();
        foreach (var (verb, args) in StructuralRequests(domain, image))
        {
            var answer = await client.InvokeAsync(verb, args, default);
            tasks.Add((string)answer["task"]!);
        }

        var task = await client.InvokeAsync("task.status", new Dictionary<string, string> { ["task"] = tasks[0] }, default);
        Assert.Equal("image.create", (string?)task["verb"]);
        Assert.Equal(tasks.Count, ((JsonArray)(await client.InvokeAsync("task.list", None, default))["tasks"]!).Count);
        Assert.Equal(tasks[0], (string?)(await client.InvokeAsync("task.clear", new Dictionary<string, string> { ["task"] = tasks[0] }, default))["cleared"]);
        Assert.Equal("Free", (string?)(await client.InvokeAsync("spm.stop", None, default))["state"]);

        var untested = api.Verbs.Verbs.Where(v => !v.StartsWith("test.", StringComparison.Ordinal)).Except(api.Verbs.Calls.Select(c => c.Verb));
        Assert.Empty(untested);
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task Arguments_arrive_as_sent_even_unusual_text(string transport)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var args = new Dictionary<string, string>
        {
            ["plain"] = "value",
            ["empty"] = "",
            ["unicode"] = "łódź ☃ \U0001F600",
            ["quotes"] = "\"{}[],:\\",
            ["control"] = "a\u0000b\nc\t",
            ["spaces in name"] = " padded ",
        };

        var echo = (JsonObject)await api.Client(transport).InvokeAsync("test.echo", args, default);

        Assert.Equal(args, echo.ToDictionary(p => p.Key, p => (string)p.Value!));
    }

    [Theory]
    [InlineData("{\"n\":1073741824}", "1073741824")]
    [InlineData("{\"n\":-5}", "-5")]
    [InlineData("{\"n\":1e3}", "1000")]
    [InlineData("{\"n\":1.50}", "1.50")]
    [InlineData("{\"n\":-0}", "0")]
    [InlineData("{\"n\":123456789012345678901234567}", "123456789012345678901234567")]
    [InlineData("{\"n\":true}", "true")]
    [InlineData("{\"n\":false}", "false")]
    [InlineData("{\"n\":\"text\"}", "text")]
    [InlineData(" \r\n{ \"n\" : \"spaced\" } \n", "spaced")]
    public async Task Numbers_and_booleans_become_invariant_text(string body, string expected)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/test.echo", ApiHarness.Json(body));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["n"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("{}")]
    public async Task An_empty_body_is_no_arguments(string body)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawUnix().PostAsync("v1/status", body.Length == 0 ? null : ApiHarness.Json(body));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(api.Verbs.Calls.Single().Args);
    }

    [Fact]
    public async Task A_read_only_verb_answers_GET_with_its_arguments_in_the_query()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var client = api.Client("unix");
        await client.InvokeAsync("spm.start", None, default);
        var task = (string)(await client.InvokeAsync("snapshot.create", new Dictionary<string, string>
        {
            ["domain"] = FakeAgentVerbs.Domain.ToString(),
            ["image"] = Guid.NewGuid().ToString(),
        }, default))["task"]!;

        using var response = await api.RawUnix().GetAsync($"v1/task.status?task={task}");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("snapshot.create", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["verb"]);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Invalid_arguments_reach_the_verb_and_its_own_validation_answers()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var client = api.Client("unix");
        var junk = new Dictionary<string, string> { ["domain"] = "../../etc/passwd\u0000" + new string('x', 500) };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => client.InvokeAsync("domain.info", junk, default));

        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Contains("is not a UUID", e.Message, StringComparison.Ordinal);
        Assert.Contains("\\u0000", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 200, e.Message);
        Assert.Equal(junk["domain"], api.Verbs.Calls.Single().Args["domain"]);
    }

    private static IEnumerable<(string Verb, Dictionary<string, string> Args)> StructuralRequests(string domain, string image)
    {
        string volume = Guid.NewGuid().ToString();
        yield return ("image.create", new() { ["domain"] = domain, ["image"] = image, ["size"] = "1073741824", ["format"] = "cow" });
        yield return ("snapshot.create", new() { ["domain"] = domain, ["image"] = image, ["volume"] = volume });
        yield return ("image.merge", new() { ["domain"] = domain, ["image"] = image, ["base"] = Guid.NewGuid().ToString(), ["top"] = volume });
        yield return ("image.copy", new() { ["domain"] = domain, ["image"] = image, ["collapse"] = "true" });
        yield return ("volume.delete", new() { ["domain"] = domain, ["image"] = image, ["volume"] = volume });
        yield return ("template.create", new() { ["domain"] = domain, ["image"] = image });
    }
}
