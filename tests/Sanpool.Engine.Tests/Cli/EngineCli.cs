using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Sanpool.Cli.Commands;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>
/// <c>sanpool engine ...</c> run in this process, the command tree of the real CLI, against an
/// engine on ASP.NET Core's test server (its transport given to the client; --engine only names
/// it), or against a real address when no app is given. Output and errors are captured per run.
/// </summary>
internal sealed class EngineCli(WebApplication? app, string user = "admin", string password = "admin-password-1")
{
    public const string TestUrl = "http://engine.test";

    /// <summary>Every request the verbs sent to the test server, "METHOD /path?query", in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Runs <c>sanpool engine ARGS</c> with --engine and the login added (unless the arguments give their own).</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    public async Task<CliRun> RunAsync(string[] args, CancellationToken cancellationToken, CliWriter? output = null, CliWriter? error = null)
    {
        var root = new RootCommand { EngineCommands.Create(app is null ? null : s => s with { Handler = new Recorder(Requests, app.GetTestServer().CreateHandler()) }) };
        var line = new List<string> { "engine" };
        line.AddRange(args);
        if (!args.Contains("--engine"))
        {
            line.AddRange(["--engine", TestUrl]);
        }

        if (!args.Contains("--user") && !args.Contains("--token"))
        {
            line.AddRange(["--user", user, "--password", password]);
        }

        output ??= new CliWriter();
        error ??= new CliWriter();
        var parse = root.Parse(line);
        if (parse.Errors.Count > 0)
        {
            return new CliRun(2, "", string.Join('\n', parse.Errors.Select(e => e.Message)));
        }

        int code = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
        return new CliRun(code, output.Text, error.Text);
    }
}
