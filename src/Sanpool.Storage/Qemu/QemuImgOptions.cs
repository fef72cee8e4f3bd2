namespace Sanpool.Storage.Qemu;

/// <summary>How <see cref="QemuImg"/> runs qemu-img.</summary>
public sealed record QemuImgOptions
{
    public static QemuImgOptions Default { get; } = new();

    /// <summary>The qemu-img program (looked up on PATH when not a path).</summary>
    public string QemuImgPath { get; init; } = "qemu-img";

    /// <summary>
    /// Limits for commands that parse an image's metadata and nothing more (info, check,
    /// measure); null runs them unlimited.
    /// </summary>
    public ProcessLimits? UntrustedImageLimits { get; init; } = ProcessLimits.Default;

    /// <summary>Priority for data-moving commands (convert, commit, compare); null runs them at normal priority.</summary>
    public ProcessPriority? DataPriority { get; init; } = ProcessPriority.Background;

    /// <summary>
    /// Cache mode (<c>-t</c>) for images commit and convert write. "none" (O_DIRECT, as VDSM)
    /// keeps copies out of the page cache of a host that shares the storage; file systems that
    /// refuse O_DIRECT (tmpfs) need "writeback". Null leaves qemu's default.
    /// </summary>
    public string? WriteCache { get; init; } = "none";

    /// <summary>The qcow2 compat level of images Sanpool creates: "1.1" (qcow2 v3), as VDSM domains V4 and later.</summary>
    public string Qcow2Compat { get; init; } = "1.1";

    /// <summary>Pass <c>-U</c> to info so that images open in a running VM can be inspected.</summary>
    public bool ForceShareOnInfo { get; init; } = true;

    /// <summary>Deadline for metadata commands (info, check, measure, create, rebase -u).</summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Deadline for data-moving commands; infinite by default (cancel through the token).</summary>
    public TimeSpan DataTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Where images for <c>json:</c> targets are built before being copied in.</summary>
    public string TempDirectory { get; init; } = Path.GetTempPath();
}
