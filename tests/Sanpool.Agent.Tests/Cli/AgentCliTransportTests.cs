using Sanpool.Agent.Tests.Api;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Cli;

/// <summary>
/// The real <c>./sanpool</c> against <see cref="ApiHarness"/> (the transport tests' agent, on a
/// unix socket and on TCP with a bearer token): the token over TCP, from --token or
/// $SANPOOL_AGENT_TOKEN, and --forward reaching an agent that does not forward yet.
/// </summary>
public sealed class AgentCliTransportTests(ITestOutputHelper output)
{
    private const string Domain = "5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44";
    private const string Image = "a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f607";

    [Fact]
    public async Task Over_TCP_the_token_comes_from_the_option_or_the_environment_and_a_wrong_one_is_told_how_to_give_it()
    {
        await using var api = await ApiHarness.StartAsync(output);
        string url = api.Server.TcpUrl!.ToString();

        var none = await CliAsync([], "spm", "status", "--agent", url);
        var wrong = await CliAsync([], "spm", "status", "--agent", url, "--token", "not-the-token");
        var given = await CliAsync([], "spm", "status", "--agent", url, "--token", ApiHarness.Token);
        var fromEnvironment = await CliAsync(new() { ["SANPOOL_AGENT_TOKEN"] = ApiHarness.Token }, "spm", "status", "--agent", url);
        var optionWins = await CliAsync(new() { ["SANPOOL_AGENT_TOKEN"] = ApiHarness.Token }, "spm", "status", "--agent", url, "--token", "not-the-token");

        foreach (var refused in new[] { none, wrong, optionWins })
        {
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith($"sanpool: UNAUTHORIZED (-721): the agent at {url} refused the request", refused.StandardError, StringComparison.Ordinal);
            Assert.Contains("--token or $SANPOOL_AGENT_TOKEN", refused.StandardError, StringComparison.Ordinal);
        }

        Assert.Equal(0, given.ExitCode);
        Assert.Equal(0, fromEnvironment.ExitCode);
        Assert.Matches(@"(?m)^spm:\s+Free; the SPM is host 2$", given.StandardOutput);
        Assert.Equal(2, api.Verbs.Calls.Count);
    }

    [Fact]
    public async Task The_NOT_SPM_of_the_transport_fake_reaches_the_user_naming_the_SPM()
    {
        await using var api = await ApiHarness.StartAsync(output);

        var run = await CliAsync([], "image", "create", Domain, "--size", "1M", "--agent", api.Server.SocketPath, "--wait");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("NOT_SPM (-702): ", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("the SPM is host 2", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>
    /// The agents do not forward yet: today an agent refuses the argument as unknown. This only
    /// shows that --forward sends "forward": "true"; forwarding itself is the agent's to test.
    /// </summary>
    [Fact]
    public async Task Forward_reaches_the_agent_as_an_argument()
    {
        await using var api = await ApiHarness.StartAsync(output);

        var run = await CliAsync([], "snapshot", "create", Domain, Image, "--agent", api.Server.SocketPath, "--forward");

        var call = Assert.Single(api.Verbs.Calls);
        Assert.Equal("snapshot.create", call.Verb);
        Assert.Equal("true", call.Args["forward"]);
        output.WriteLine($"exit {run.ExitCode}: {run.StandardError}");
    }

    private async Task<ToolResult> CliAsync(Dictionary<string, string> environment, params string[] args)
    {
        var run = await SanpoolCli.RunAsync(args, environment);
        output.WriteLine($"$ sanpool {string.Join(' ', args)}  -> {run.ExitCode}\n{run.StandardOutput}{run.StandardError}");
        return run;
    }
}
