using Sanpool.Api.Client;
using System.Diagnostics;
using System.Net;
using System.Text;
using Sanpool.Agent.Api;
using Sanpool.Core;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>Bodies over the limit are 413, verbs over the request timeout are 503 AGENT_TIMEOUT; the server keeps serving.</summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    private const int Limit = 64 * 1024;

    [Theory]
    [InlineData("unix", Limit + 1)]
    [InlineData("unix", 1024 * 1024)]
    [InlineData("tcp", Limit + 1)]
    [InlineData("tcp", 1024 * 1024)]
    public async Task A_body_over_64_KiB_is_413(string transport, int size)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.Raw(transport).PostAsync("v1/test.echo", ApiHarness.Json(Padded(size)));

        await Problem.ExpectAsync(response, 413, "REQUEST_TOO_LARGE");
        Assert.Empty(api.Verbs.Calls);
        using var after = await api.Raw(transport).PostAsync("v1/status", null);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("tcp")]
    public async Task The_client_gets_REQUEST_TOO_LARGE_even_for_a_body_far_over_the_limit(string transport)
    {
        await using var api = await ApiHarness.StartAsync(output);
        var args = new Dictionary<string, string> { ["description"] = new string('d', 8 * 1024 * 1024) };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => api.Client(transport).InvokeAsync("test.echo", args, default));

        Assert.Equal(AgentErrors.RequestTooLarge, e.Code);
        Assert.Empty(api.Verbs.Calls);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_413()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Padded(Limit + 100))));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/test.echo") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await api.RawUnix().SendAsync(request);

        await Problem.ExpectAsync(response, 413, "REQUEST_TOO_LARGE");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(true)]
    public async Task A_body_of_exactly_64_KiB_is_taken(bool? chunked)
    {
        await using var api = await ApiHarness.StartAsync(output);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/test.echo") { Content = ApiHarness.Json(Padded(Limit)) };
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await api.RawUnix().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("x", api.Verbs.Calls.Single().Args["a"]);
    }

    [Theory]
    [InlineData("test.hang")]
    [InlineData("test.stubborn")]
    public async Task A_verb_over_the_request_timeout_is_503_AGENT_TIMEOUT_on_time(string verb)
    {
        await using var api = await ApiHarness.StartAsync(output, o => o with { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<SanpoolException>(() => api.Client("unix").InvokeAsync(verb, new Dictionary<string, string>(), default));

        Assert.Equal(AgentErrors.Timeout, e.Code);
        Assert.True(e.IsTransient);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        using var response = await api.RawUnix().PostAsync("v1/test.hang", null);
        await Problem.ExpectAsync(response, 503, "AGENT_TIMEOUT");
        Assert.Contains(api.Log.Entries, l => l.EventId == 7213);
    }

    [Fact]
    public async Task The_client_gives_up_after_its_own_timeout_with_AGENT_TIMEOUT()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var client = api.Client(api.Server.SocketPath, null, TimeSpan.FromMilliseconds(200));

        var e = await Assert.ThrowsAsync<SanpoolException>(() => client.InvokeAsync("test.hang", new Dictionary<string, string>(), default));

        Assert.Equal(AgentErrors.Timeout, e.Code);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task A_cancelled_call_is_a_cancellation_not_an_error()
    {
        await using var api = await ApiHarness.StartAsync(output);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => api.Client("unix").InvokeAsync("test.hang", new Dictionary<string, string>(), cancel.Token));
    }

    /// <summary>A JSON object {"a":"x"} padded with spaces to exactly <paramref name="size"/> bytes.</summary>
    private static string Padded(int size) => "{\"a\":\"x\"" + new string(' ', size - 9) + "}";
}
