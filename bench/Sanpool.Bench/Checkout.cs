namespace Sanpool.Bench;

/// <summary>Where the checkout and the sanpool CLI are.</summary>
internal static class Checkout
{
    /// <summary>The directory holding Sanpool.slnx, above the working directory or the binaries.</summary>
    public static string Root()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Sanpool.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the bench from the checkout (no Sanpool.slnx above the working directory)");
    }

    /// <summary>$SANPOOL_CLI, or the checkout's ./sanpool wrapper.</summary>
    public static string SanpoolCli(string root) =>
        Environment.GetEnvironmentVariable("SANPOOL_CLI") is { Length: > 0 } cli ? Path.GetFullPath(cli) : Path.Combine(root, "sanpool");

    /// <summary>
    /// The sanpool executable itself, for timing one-shot commands: $SANPOOL_CLI, or the binary
    /// the ./sanpool wrapper builds into artifacts/cli (built here first if it is stale), so
    /// that no run pays the wrapper's bash start and staleness check.
    /// </summary>
    public static async Task<string> SanpoolBinaryAsync(string root)
    {
        if (Environment.GetEnvironmentVariable("SANPOOL_CLI") is { Length: > 0 } cli)
        {
            return Path.GetFullPath(cli);
        }

        await ExternalProcess.RunAsync(Path.Combine(root, "sanpool"), [], new Dictionary<string, string> { ["SANPOOL_BUILD_ONLY"] = "1" }, TimeSpan.FromMinutes(10));
        return Path.Combine(root, "artifacts", "cli", "sanpool");
    }
}
