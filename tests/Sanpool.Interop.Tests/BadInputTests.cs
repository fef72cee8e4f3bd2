using System.Text.RegularExpressions;
using Sanpool.Interop.Tests.Support;
using Sanpool.TestSupport;

namespace Sanpool.Interop.Tests;

/// <summary>
/// The CLI's error contract on bad input: a non-zero exit, exactly one line on stderr,
/// "sanpool: NAME (CODE): message" with a stable code name, and the storage untouched.
/// The target is a 2 MiB file that the real sanlock formatted (lockspace at 0, resource at
/// 1 MiB), so any stray write would show in its hash.
/// </summary>
public sealed partial class BadInputTests
{
    private const string Target = "{T}";
    private const string Small = "{SMALL}";
    private const string Wide = "{W4K}";

    /// <summary>Case name, expected code name, arguments ({T}: the formatted file; {SMALL}: a 4 KiB file; {W4K}: a 4096/1M lockspace file).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        // Malformed -s and -r.
        { "-s with three fields", "INVALID_ARGUMENT", "lease init -s LS:0:{T}" },
        { "-s with a host id that is no number", "INVALID_ARGUMENT", "lease acquire-id -s LS:x:{T}:0 -e h -o 1" },
        { "-s with an empty host id", "INVALID_ARGUMENT", "lease read-leader -s LS::{T}:0" },
        { "-r with an empty resource name", "INVALID_ARGUMENT", "lease init -r LS::{T}:1048576" },
        { "-r with an offset that is no number", "INVALID_ARGUMENT", "lease init -r LS:RES:{T}:1x" },
        { "-r with a negative offset", "INVALID_ARGUMENT", "lease init -r LS:RES:{T}:-1048576" },
        { "lockspace name over 48 bytes", "INVALID_ARGUMENT", "lease init -s " + new string('L', 49) + ":0:{T}:0" },
        { "both -s and -r", "INVALID_ARGUMENT", "lease init -s LS:0:{T}:0 -r LS:RES:{T}:1048576" },
        { "neither -s nor -r", "INVALID_ARGUMENT", "lease read-leader" },

        // Offsets off the alignment.
        { "init -r at 512", "UNALIGNED", "lease init -r LS:RES:{T}:512 -Z 512 -A 1M" },
        { "init -s at 4096", "UNALIGNED", "lease init -s LS:0:{T}:4096" },
        { "read-leader -r at 512", "UNALIGNED", "lease read-leader -r LS:RES:{T}:512" },
        { "acquire-id at 512", "UNALIGNED", "lease acquire-id -s LS:1:{T}:512 -e h -o 1" },

        // Absent paths and files too small.
        { "init on an absent path", "OPEN_FAILED", "lease init -s LS:0:/nonexistent/sanpool/ids:0" },
        { "dump of an absent path", "OPEN_FAILED", "lease dump /nonexistent/sanpool/ids" },
        { "init on a 4 KiB file", "TOO_SMALL", "lease init -r LS:RES:{SMALL}:0" },
        { "init past the end of the file", "TOO_SMALL", "lease init -r LS:RES:{T}:2097152" },

        // Sector size and alignment pairs sanlock does not accept.
        { "-Z 512 -A 2M", "BAD_GEOMETRY", "lease init -s LS:0:{T}:0 -Z 512 -A 2M" },
        { "-Z 512 -A 8M", "BAD_GEOMETRY", "lease init -r LS:RES:{T}:0 -Z 512 -A 8M" },
        { "-Z 1024 -A 1M", "BAD_GEOMETRY", "lease init -s LS:0:{T}:0 -Z 1024 -A 1M" },
        { "-A 3M", "INVALID_ARGUMENT", "lease init -r LS:RES:{T}:0 -Z 4096 -A 3M" },

        // Host ids out of range.
        { "host id 2001", "INVALID_ARGUMENT", "lease acquire-id -s LS:2001:{T}:0 -e h -o 1" },
        { "host id 0 to acquire", "ADDLS_INVALID_HOSTID", "lease acquire-id -s LS:0:{T}:0 -e h -o 1" },
        { "host id 251 of a 4096/1M lockspace", "ADDLS_INVALID_HOSTID", "lease acquire-id -s LS:251:{W4K}:0 -e h -o 1" },
        { "init -s with a host id", "INVALID_ARGUMENT", "lease init -s LS:3:{T}:0" },
        { "num_hosts over max_hosts", "INVALID_ARGUMENT", "lease init -r LS:RES:{T}:1048576 -n 2001" },

        // Out-of-range timeouts, and leases that are not what the arguments say.
        { "io_timeout 0", "INVALID_ARGUMENT", "lease init -s LS:0:{T}:0 -o 0" },
        { "io_timeout 256", "INVALID_ARGUMENT", "lease acquire-id -s LS:1:{T}:0 -e h -o 256" },
        { "wrong lockspace name", "LEADER_LOCKSPACE", "lease read-leader -r OTHER:RES:{T}:1048576" },
        { "wrong resource name", "LEADER_RESOURCE", "lease read-leader -r LS:OTHER:{T}:1048576" },
        { "a lockspace read as a resource", "LEADER_MAGIC", "lease read-leader -r LS:RES:{T}:0" },
        { "release of a host id nobody holds", "RELEASE_OWNER", "lease release-id -s LS:5:{T}:0 -e h -o 1" },
        { "renewal of a host id nobody holds", "RENEW_OWNER", "lease renew-id -s LS:5:{T}:0 -e h -o 1" },

        // Daemon verbs with no daemon to talk to.
        { "command without a daemon", "DAEMON_NOT_RUNNING", "lease command -r LS:RES:{T}:1048576 --run-dir /nonexistent/sanpool-run -c /bin/true" },
        { "add-lockspace without a daemon", "DAEMON_NOT_RUNNING", "lease add-lockspace -s LS:1:{T}:0 -o 1 --run-dir /nonexistent/sanpool-run" },

        // Rejected by the command-line parser itself: the same contract applies.
        { "-Z that is no number", "INVALID_ARGUMENT", "lease init -s LS:0:{T}:0 -Z abc" },
        { "an unknown option", "INVALID_ARGUMENT", "lease init -s LS:0:{T}:0 --no-such-option" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_fails_with_one_stable_error_line_and_leaves_the_storage_untouched(string @case, string code, string commandLine)
    {
        using var dir = new TempDir("interop-bad");
        string target = dir.CreateSparseFile("leases", 2 * 1024 * 1024);
        string small = dir.CreateSparseFile("small", 4096);
        string wide = dir.CreateSparseFile("wide", 1024 * 1024);
        await SanlockCli.DirectAsync("init", "-s", $"LS:0:{target}:0", "-o", "1");
        await SanlockCli.DirectAsync("init", "-r", $"LS:RES:{target}:1048576");
        await SanlockCli.DirectAsync("init", "-s", $"LS:0:{wide}:0", "-Z", "4096", "-A", "1M", "-o", "1");
        string[] files = [target, small, wide];
        var before = await Task.WhenAll(files.Select(LeaseTarget.HashAsync));

        string[] args = commandLine.Split(' ')
            .Select(a => a.Replace(Target, target, StringComparison.Ordinal)
                          .Replace(Small, small, StringComparison.Ordinal)
                          .Replace(Wide, wide, StringComparison.Ordinal))
            .ToArray();
        var result = await SanpoolCli.RunAsync(args);

        Assert.True(result.ExitCode != 0, $"{@case}: `{result.CommandLine}` succeeded:\n{result.StandardOutput}");
        string[] stderr = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(stderr.Length == 1 && result.StandardError.TrimEnd('\n').Split('\n').Length == 1,
            $"{@case}: expected one line on stderr, got {result.StandardError.TrimEnd('\n').Split('\n').Length}:\n{result.StandardError}");
        var match = ErrorLine().Match(stderr[0]);
        Assert.True(match.Success, $"{@case}: stderr is not 'sanpool: NAME (CODE): message': {stderr[0]}");
        Assert.Equal(code, match.Groups["name"].Value);
        Assert.Equal(before, await Task.WhenAll(files.Select(LeaseTarget.HashAsync)));
    }

    [Fact]
    public async Task Leases_with_512_byte_sectors_are_refused_on_a_4096_byte_sector_device_and_nothing_is_written()
    {
        using var dir = new TempDir("interop-bad");
        await using var target = await LeaseTarget.CreateAsync(dir, GeometryCase.Parse("loop-4096-1M"));
        var before = await target.ReadAllAsync();

        var result = await SanpoolCli.RunAsync("lease", "init", "-s", target.Lockspace("LS", 0), "-Z", "512", "-A", "1M", "-o", "1");

        Assert.NotEqual(0, result.ExitCode);
        var match = ErrorLine().Match(result.StandardError.TrimEnd('\n'));
        Assert.True(match.Success && !result.StandardError.TrimEnd('\n').Contains('\n', StringComparison.Ordinal), result.StandardError);
        Assert.Equal("BAD_GEOMETRY", match.Groups["name"].Value);
        BothTools.AssertSameBytes(before, await target.ReadAllAsync(), "the device after a refused init");
    }

    [GeneratedRegex(@"^sanpool: (?<name>[A-Z][A-Z0-9_]*) \((?<code>-\d+)\): \S")]
    private static partial Regex ErrorLine();
}
