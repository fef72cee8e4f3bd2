using System.CommandLine;
using System.Text;
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

/// <summary>Notes each request on its way to the test server.</summary>
internal sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<string> requests, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        requests.Enqueue($"{request.Method} {request.RequestUri!.PathAndQuery}");
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>What one run printed, and its exit code.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";

    /// <summary>The run failed with exactly one line on stderr, "sanpool: NAME (code): ...", naming <paramref name="error"/>.</summary>
    public string AssertOneErrorLine(string error, int exitCode = 1)
    {
        Assert.True(ExitCode == exitCode, ToString());
        string[] lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, ToString());
        Assert.StartsWith($"sanpool: {error} (", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
        return lines[0];
    }
}

/// <summary>A writer a test may read while a verb still writes to it (events --follow).</summary>
internal sealed class CliWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _text.Append(value);
        }
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        Write(value + NewLine);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync()
    {
        Write(NewLine);
        return Task.CompletedTask;
    }

    /// <summary>Waits until the text holds <paramref name="expected"/>.</summary>
    public async Task WaitForAsync(string expected, Task<CliRun> running, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Text.Contains(expected, StringComparison.Ordinal))
        {
            if (running.IsCompleted)
            {
                Assert.Fail($"the verb ended before printing \"{expected}\": {await running}");
            }

            Assert.True(clock.Elapsed < timeout, $"no \"{expected}\" within {timeout}: {Text}");
            await Task.Delay(50);
        }
    }
}
