namespace Sanpool.Engine.Tests.Cli;

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
