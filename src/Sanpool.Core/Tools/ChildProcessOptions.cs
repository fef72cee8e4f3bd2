namespace Sanpool.Core.Tools;

/// <summary>
/// How <see cref="ChildProcess"/> starts a program: its extra environment and where its stdout
/// and stderr go. At most one of <see cref="OnOutputLine"/>, <see cref="LogFile"/> and
/// <see cref="PipeOutput"/>; with none the child writes where this process does.
/// </summary>
public sealed record ChildProcessOptions
{
    public static readonly ChildProcessOptions Default = new();

    /// <summary>Added to (or replacing) this process's environment; a PATH here is also where the program is looked up.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Each line of stdout and stderr as it comes, read in the background so the child never blocks on a full pipe.</summary>
    public Action<string>? OnOutputLine { get; init; }

    /// <summary>
    /// stdout and stderr appended to this file by the child itself, not copied by us: what a
    /// daemon or agent prints still reaches its log when this process is frozen, killed or gone.
    /// </summary>
    public string? LogFile { get; init; }

    /// <summary>The caller reads <c>StandardOutput</c> and <c>StandardError</c> (UTF-8) itself, and must, to the end.</summary>
    public bool PipeOutput { get; init; }

    /// <summary>The code of the error raised when the program cannot be run (not installed, not executable).</summary>
    public ErrorCode MissingCode { get; init; } = ToolErrors.NotInstalled;
}
