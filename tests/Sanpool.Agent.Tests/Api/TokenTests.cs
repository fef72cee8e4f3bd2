using Sanpool.Api.Client;
using System.Net;
using Sanpool.Agent.Api;
using Sanpool.Core;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>Every TCP request needs the bearer token; the unix socket needs none.</summary>
public sealed class TokenTests(ITestOutputHelper output)
{
    public static TheoryData<string?> Refused => new()
    {
        null,
        "",
        "Bearer",
        "Bearer ",
        "Basic " + Convert.ToBase64String("root:"u8),
        "Bearer " + ApiHarness.Token[..^1],                  // one character short
        "Bearer " + ApiHarness.Token + "0",                   // one character more
        "Bearer " + ApiHarness.Token[..^1] + "7",             // the last character wrong
        "Bearer " + "8" + ApiHarness.Token[1..],              // the first character wrong
        "Bearer " + ApiHarness.Token.ToUpperInvariant(),
        "Bearer " + new string('9', 4096),
        "Token " + ApiHarness.Token,
        "Bearer" + ApiHarness.Token,
        ApiHarness.Token,
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_TCP_request_without_the_right_token_is_401(string? authorization)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawTcp(authorization).PostAsync("v1/status", null);

        await Problem.ExpectAsync(response, 401, "UNAUTHORIZED");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Empty(api.Verbs.Calls);
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("bearer ")]
    [InlineData("BEARER  ")]
    public async Task The_right_token_passes_whatever_the_scheme_case(string scheme)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawTcp(scheme + ApiHarness.Token).PostAsync("v1/status", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Two_Authorization_headers_are_401_even_if_one_is_right()
    {
        await using var api = await ApiHarness.StartAsync(output);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/status");
        request.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + ApiHarness.Token, "Bearer wrong"]);

        using var response = await api.RawTcp().SendAsync(request);

        await Problem.ExpectAsync(response, 401, "UNAUTHORIZED");
    }

    [Theory]
    [InlineData("v1/frobnicate")]
    [InlineData("nothing/here")]
    [InlineData("v1/" + "x")]
    public async Task Without_the_token_TCP_tells_nothing_of_routes_or_verbs(string path)
    {
        await using var api = await ApiHarness.StartAsync(output);

        using var response = await api.RawTcp("Bearer nope-nope-nope-nope").GetAsync(path);

        await Problem.ExpectAsync(response, 401, "UNAUTHORIZED");
    }

    [Fact]
    public async Task The_unix_socket_needs_no_token_and_ignores_a_wrong_one()
    {
        await using var api = await ApiHarness.StartAsync(output);
        var unix = api.RawUnix();
        unix.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer wrong");

        using var response = await unix.PostAsync("v1/status", null);
        var status = await api.Client(api.Server.SocketPath, "wrong-token-but-unix").InvokeAsync("status", new Dictionary<string, string>(), default);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("fake", (string?)status["host_name"]);
    }

    [Fact]
    public async Task The_client_with_a_wrong_token_gets_UNAUTHORIZED()
    {
        await using var api = await ApiHarness.StartAsync(output);

        var e = await Assert.ThrowsAsync<SanpoolException>(() =>
            api.Client(api.Server.TcpUrl!.ToString(), ApiHarness.Token[..^1] + "0").InvokeAsync("status", new Dictionary<string, string>(), default));
        var none = await Assert.ThrowsAsync<SanpoolException>(() =>
            api.Client(api.Server.TcpUrl!.ToString(), null).InvokeAsync("status", new Dictionary<string, string>(), default));

        Assert.Equal(AgentErrors.Unauthorized, e.Code);
        Assert.Equal(AgentErrors.Unauthorized, none.Code);
        Assert.False(e.IsTransient);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("short")]
    [InlineData("has a space in it, long enough")]
    [InlineData("non-ascii-token-łłłłłłłłłłłłł")]
    public async Task TCP_without_a_sound_token_does_not_start(string? token)
    {
        using var dir = new TestSupport.TempDir("agent-api");
        var options = new AgentApiOptions { SocketPath = dir.File("a.sock"), TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0), Token = token };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => AgentApi.StartAsync(new FakeAgentVerbs().Table, options, null, default));

        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.False(File.Exists(dir.File("a.sock")));
    }
}
