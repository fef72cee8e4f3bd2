using System.Collections.Frozen;

namespace Sanpool.Core.Tools;

/// <summary>
/// Finds the programs Sanpool runs (lvm, qemu-img, losetup, sanlock, qemu-system) the one way:
/// a name with a slash is taken as it is; a bare name is looked up in each directory of PATH,
/// then in the sbin and bin directories. Those come last because a service or a test runner
/// often starts with a PATH that lacks /usr/sbin and /sbin, where lvm, losetup and sanlock live.
/// Only a file with an execute bit counts, as for the shell: a stray data file named qemu-img
/// earlier on PATH is passed over. Nothing is cached: a few stat calls are nothing beside
/// starting a process, and a tool installed while the agent runs is found.
/// </summary>
public static class ToolLocator
{
    /// <summary>Searched after PATH, in this order.</summary>
    public static readonly IReadOnlyList<string> FallbackDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The Debian package of each program Sanpool runs, for the message that says it is missing.</summary>
    private static readonly FrozenDictionary<string, string> Packages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["qemu-img"] = "qemu-utils",
        ["qemu-io"] = "qemu-utils",
        ["qemu-nbd"] = "qemu-utils",
        ["qemu-system-x86_64"] = "qemu-system-x86",
        ["prlimit"] = "util-linux",
        ["ionice"] = "util-linux",
        ["losetup"] = "util-linux",
        ["blockdev"] = "util-linux",
        ["nice"] = "coreutils",
        ["lvm"] = "lvm2",
        ["sanlock"] = "sanlock",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The full path of <paramref name="program"/>, or null when it is not installed.</summary>
    public static string? TryFind(string program) => TryFind(program, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>
    /// As <see cref="TryFind(string)"/>, with <paramref name="searchPath"/> (colon-separated, as
    /// PATH) in place of this process's PATH: for a child started with a PATH of its own.
    /// </summary>
    public static string? TryFind(string program, string? searchPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? program : null;
        }

        var path = (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(FallbackDirectories)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(IsExecutable);
    }

    /// <summary>
    /// The full path of <paramref name="program"/>; when it is not installed, a
    /// <see cref="SanpoolException"/> with <paramref name="missingCode"/> (by default
    /// TOOL_NOT_INSTALLED) that names the program and, when known, its Debian package.
    /// </summary>
    public static string Find(string program, ErrorCode? missingCode = null) =>
        TryFind(program) ?? throw new SanpoolException(missingCode ?? ToolErrors.NotInstalled, NotInstalledMessage(program));

    /// <summary>The Debian package that installs <paramref name="program"/>, or null when Sanpool does not know it.</summary>
    public static string? PackageOf(string program) => Packages.GetValueOrDefault(Path.GetFileName(program));

    private static string NotInstalledMessage(string program) =>
        PackageOf(program) is { } package
            ? $"{program} is not installed (Debian package {package})"
            : program.Contains('/', StringComparison.Ordinal)
                ? $"{program} is not installed (no executable file there)"
                : $"{program} is not installed (not on PATH nor in {string.Join(", ", FallbackDirectories)})";

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & AnyExecute) != 0);
}
