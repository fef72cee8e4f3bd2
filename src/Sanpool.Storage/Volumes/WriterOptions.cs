namespace Sanpool.Storage.Volumes;

/// <summary>
/// Who writes and how long to wait. The host id and name are this host's place in the
/// domain's lockspace. <see cref="RunDirectory"/> holds the per-host writer locks and the
/// mount points of prepared block volumes.
/// </summary>
public sealed record WriterOptions
{
    public int HostId { get; init; } = 1;

    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>How long to wait for another writer on this host to finish; zero: fail at once.</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromMinutes(10);

    public string RunDirectory { get; init; } = DefaultRunDirectory;

    /// <summary>
    /// The domain's lockspace, already joined by the caller (the host agent, which stays in it
    /// while the writer comes and goes); null: the writer joins and leaves it itself.
    /// </summary>
    public Leases.Lockspace? Lockspace { get; init; }

    public static string DefaultRunDirectory =>
        Environment.GetEnvironmentVariable("SANPOOL_RUN_DIR") is { Length: > 0 } dir ? dir : "/run/sanpool";
}
