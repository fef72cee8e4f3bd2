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
}
