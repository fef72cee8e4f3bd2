using System.Collections.Concurrent;
using Sanpool.Core.Tools;
using Sanpool.TestSupport;

namespace Sanpool.Core.Tests;

public sealed class ChildProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDir _dir = new("child");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_line_of_stdout_and_stderr_reaches_the_callback_and_stdin_is_at_its_end()
    {
        var lines = new ConcurrentQueue<string>();

        using var p = ChildProcess.Start(["/bin/sh", "-c", "echo out; echo err >&2; cat; echo after-cat"], new ChildProcessOptions { OnOutputLine = lines.Enqueue });
        await p.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal(0, p.ExitCode);
        Assert.Equal(["after-cat", "err", "out"], lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_log_file_gets_both_streams_appended_and_the_argv_unparsed()
    {
        string log = _dir.File("child.log");
        await File.WriteAllTextAsync(log, "before\n");

        using var p = ChildProcess.Start(["printf", "%s|", "a b", "$HOME", "*", "'"], new ChildProcessOptions { LogFile = log });
        await p.WaitForExitAsync().WaitAsync(Patience);
        using var q = ChildProcess.Start(["/bin/sh", "-c", "echo err >&2"], new ChildProcessOptions { LogFile = log });
        await q.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal("before\na b|$HOME|*|'|err\n", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task With_a_log_file_the_pid_is_the_programs_not_a_shells()
    {
        using var p = ChildProcess.Start(["sleep", "300"], new ChildProcessOptions { LogFile = _dir.File("sleep.log") });
        try
        {
            for (int i = 0; i < 100 && (await File.ReadAllTextAsync($"/proc/{p.Id}/comm")).Trim() != "sleep"; i++)
            {
                await Task.Delay(20);
            }

            Assert.Equal("sleep", (await File.ReadAllTextAsync($"/proc/{p.Id}/comm")).Trim());
        }
        finally
        {
            p.Kill();
            await p.WaitForExitAsync().WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Piped_output_is_left_for_the_caller_to_read()
    {
        using var p = ChildProcess.Start(["/bin/sh", "-c", "echo out; echo err >&2"], new ChildProcessOptions { PipeOutput = true });

        Assert.Equal("out\n", await p.StandardOutput.ReadToEndAsync().WaitAsync(Patience));
        Assert.Equal("err\n", await p.StandardError.ReadToEndAsync().WaitAsync(Patience));
        await p.WaitForExitAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task The_environment_is_added_to()
    {
        var lines = new ConcurrentQueue<string>();

        using var p = ChildProcess.Start(["/bin/sh", "-c", "echo $SANPOOL_TEST_VAR"],
            new ChildProcessOptions { Environment = new Dictionary<string, string> { ["SANPOOL_TEST_VAR"] = "hello" }, OnOutputLine = lines.Enqueue });
        await p.WaitForExitAsync().WaitAsync(Patience);

        Assert.Equal(["hello"], lines);
    }

    [Fact]
    public void A_program_that_cannot_be_run_raises_the_callers_code_naming_the_command()
    {
        var code = new ErrorCode(-9998, "TEST_CANNOT_RUN");

        var e = Assert.Throws<SanpoolException>(() => ChildProcess.Start(["/nonexistent/tool", "--flag"], new ChildProcessOptions { MissingCode = code }));

        Assert.Equal(code, e.Code);
        Assert.StartsWith("cannot run /nonexistent/tool --flag: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_goes_one_way_only() =>
        Assert.Throws<ArgumentException>(() => ChildProcess.Start(["true"], new ChildProcessOptions { PipeOutput = true, LogFile = _dir.File("x.log") }));
}
