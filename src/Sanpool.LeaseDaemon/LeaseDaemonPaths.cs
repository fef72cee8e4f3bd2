namespace Sanpool.LeaseDaemon;

/// <summary>Where a lease daemon lives: its socket and pid file in the run directory.</summary>
public static class LeaseDaemonPaths
{
    public const string SocketName = "sanpool-leased.sock";

    public const string PidFileName = "sanpool-leased.pid";

    /// <summary>Environment variable naming the run directory (as SANLOCK_RUN_DIR).</summary>
    public const string RunDirVariable = "SANPOOL_RUN_DIR";

    public const string DefaultRunDirectory = "/run/sanpool";

    public static string Socket(string runDirectory) => Path.Combine(runDirectory, SocketName);

    public static string PidFile(string runDirectory) => Path.Combine(runDirectory, PidFileName);

    /// <summary>$SANPOOL_RUN_DIR, or /run/sanpool.</summary>
    public static string DefaultRunDir() =>
        Environment.GetEnvironmentVariable(RunDirVariable) is { Length: > 0 } dir ? dir : DefaultRunDirectory;
}
