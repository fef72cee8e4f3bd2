namespace Sanpool.TestSupport;

/// <summary>What one finished run of an external program produced.</summary>
public sealed record ToolResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns this result, or throws naming the command, its exit code and stderr.</summary>
    public ToolResult EnsureSuccess() =>
        Succeeded
            ? this
            : throw new InvalidOperationException(
                $"`{CommandLine}` exited with {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}".TrimEnd());
}
