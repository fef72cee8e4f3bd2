using System.Diagnostics;

namespace Sanpool.TestSupport.Tests;

public sealed class ToolRunnerTests
{
    [Fact]
    public async Task Captures_stdout_stderr_and_the_exit_code_without_a_shell()
    {
        var result = await ToolRunner.RunAsync("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        Assert.Throws<InvalidOperationException>(() => result.EnsureSuccess());
    }

    [Fact]
    public async Task Arguments_are_passed_as_they_are()
    {
        var result = await ToolRunner.RunAsync("printf", ["%s|", "a b", "$HOME", "*"]);

        Assert.Equal("a b|$HOME|*|", result.EnsureSuccess().StandardOutput.TrimEnd('\n'));
    }

    [Fact]
    public async Task Passes_extra_environment_variables()
    {
        var result = await ToolRunner.RunAsync("/bin/sh", ["-c", "echo $SANPOOL_TEST_VAR"],
            new Dictionary<string, string> { ["SANPOOL_TEST_VAR"] = "hello" });

        Assert.Equal("hello\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_process_tree()
    {
        using var dir = new TempDir("tool");
        string pidFile = dir.File("child.pid");
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutException>(() => ToolRunner.RunAsync(
            "/bin/sh", ["-c", $"sleep 300 & echo $! > {pidFile}; wait"], timeout: TimeSpan.FromMilliseconds(500)));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        int child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await WaitGoneAsync(child);
    }

    [Fact]
    public async Task StopAsync_terminates_a_background_process_by_pid()
    {
        using var process = ToolRunner.StartBackground("sleep", ["300"]);

        await ToolRunner.StopAsync(process, TimeSpan.FromSeconds(3));

        Assert.True(process.HasExited);
    }

    private static async Task WaitGoneAsync(int pid)
    {
        for (int i = 0; i < 100; i++)
        {
            string stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat) || File.ReadAllText(stat).Split(' ')[2] == "Z")
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"process {pid} survived the timeout kill");
    }
}
