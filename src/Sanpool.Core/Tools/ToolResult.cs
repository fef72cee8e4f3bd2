namespace Sanpool.Core.Tools;

/// <summary>What an external command printed and how it ended.</summary>
public sealed record ToolResult(IReadOnlyList<string> Argv, int ExitCode, string Stdout, string Stderr)
{
    public string CommandLine => string.Join(' ', Argv);
}
