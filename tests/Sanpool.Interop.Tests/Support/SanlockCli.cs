using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests.Support;

/// <summary>The real sanlock 3.8.5's daemon-less verbs: <c>sanlock direct ACTION ...</c>.</summary>
internal static class SanlockCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <c>sanlock direct ARGS</c> and returns its standard output, or throws naming the command.</summary>
    public static async Task<string> DirectAsync(params string[] arguments)
    {
        Requires.Sanlock();
        var result = await ToolRunner.RunAsync("sanlock", ["direct", .. arguments], timeout: Timeout);
        result.EnsureSuccess();

        // sanlock reports failures of direct actions as "ACTION done RV" with exit code 0 in
        // some versions; a negative RV is a failure all the same.
        string? done = result.StandardOutput.Split('\n').FirstOrDefault(l => l.Contains(" done ", StringComparison.Ordinal));
        if (done is not null && done.Trim().Split(' ')[^1].StartsWith('-'))
        {
            throw new InvalidOperationException($"`{result.CommandLine}` failed: {done.Trim()} {result.StandardError.Trim()}");
        }

        return result.StandardOutput;
    }
}
