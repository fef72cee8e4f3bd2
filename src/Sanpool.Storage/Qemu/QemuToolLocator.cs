using System.Collections.Concurrent;
using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// Finds qemu-img and the programs it is run under (prlimit, nice, ionice) before starting
/// anything, so that a missing limiter is a clear QEMU_TOOL_MISSING, never a run without limits.
/// </summary>
internal static class QemuToolLocator
{
    private static readonly string[] ExtraDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["qemu-img"] = "qemu-utils",
        ["qemu-io"] = "qemu-utils",
        ["prlimit"] = "util-linux",
        ["ionice"] = "util-linux",
        ["nice"] = "coreutils",
    };

    private static readonly ConcurrentDictionary<string, string> Found = new(StringComparer.Ordinal);

    public static string Find(string program)
    {
        if (Found.TryGetValue(program, out var path))
        {
            return path;
        }

        string? result = program.Contains('/', StringComparison.Ordinal)
            ? (File.Exists(program) ? program : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Concat(ExtraDirectories)
                .Select(dir => Path.Combine(dir, program))
                .FirstOrDefault(File.Exists);
        if (result is null)
        {
            string package = Packages.GetValueOrDefault(Path.GetFileName(program), "?");
            throw new SanpoolException(QemuErrors.QemuToolMissing, $"{program} is not installed (Debian package {package})");
        }

        Found[program] = result;
        return result;
    }
}
