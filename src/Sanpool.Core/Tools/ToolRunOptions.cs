namespace Sanpool.Core.Tools;

/// <summary>How <see cref="ExternalTool"/> runs a command and judges its end.</summary>
public sealed record ToolRunOptions
{
    public static readonly ToolRunOptions Default = new();

    private static readonly int[] ExitZero = [0];

    /// <summary>The command is killed (with its children) after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Exit codes that are a result, not a failure; null accepts any.</summary>
    public IReadOnlyCollection<int>? AcceptedExitCodes { get; init; } = ExitZero;

    /// <summary>Called with each chunk of stdout as it arrives (progress); the whole output is returned too.</summary>
    public Action<ReadOnlyMemory<char>>? OnStdout { get; init; }

    /// <summary>Extra environment; LC_ALL=C is always set so messages can be matched.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>The codes a wrapper wants its failures reported with.</summary>
    public ErrorCode FailedCode { get; init; } = ToolErrors.Failed;

    public ErrorCode TimeoutCode { get; init; } = ToolErrors.TimedOut;

    public ErrorCode MissingCode { get; init; } = ToolErrors.NotInstalled;
}
