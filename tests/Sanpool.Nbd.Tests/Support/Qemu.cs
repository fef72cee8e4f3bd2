using Sanpool.TestSupport;

namespace Sanpool.Nbd.Tests.Support;

/// <summary>The real qemu-io and qemu-img, run as argv lists; a failure throws with the command line and output.</summary>
internal static class Qemu
{
    public static async Task<string> IoAsync(string format, string target, params string[] commands)
    {
        Requires.Tool("qemu-io", "qemu-utils");
        var args = new List<string> { "-f", format, target };
        foreach (string c in commands)
        {
            args.Add("-c");
            args.Add(c);
        }

        return await RunAsync("qemu-io", args);
    }

    /// <summary>qemu-io on a <c>json:</c> block-device spec (no -f: the spec names the drivers).</summary>
    public static async Task<string> IoJsonAsync(string spec, params string[] commands)
    {
        Requires.Tool("qemu-io", "qemu-utils");
        var args = new List<string> { spec };
        foreach (string c in commands)
        {
            args.Add("-c");
            args.Add(c);
        }

        return await RunAsync("qemu-io", args);
    }

    public static async Task<string> ImgAsync(params string[] args)
    {
        Requires.Tool("qemu-img", "qemu-utils");
        return await RunAsync("qemu-img", args);
    }

    /// <summary>Runs and returns stdout+stderr, whatever the exit code (for commands expected to fail).</summary>
    public static async Task<(int ExitCode, string Output)> TryAsync(string program, params string[] args)
    {
        Requires.Tool(program, "qemu-utils");
        var r = await ToolRunner.RunAsync(program, args, timeout: TimeSpan.FromSeconds(60));
        return (r.ExitCode, r.StandardOutput + r.StandardError);
    }

    private static async Task<string> RunAsync(string program, IEnumerable<string> args)
    {
        var r = await ToolRunner.RunAsync(program, args, timeout: TimeSpan.FromSeconds(120));
        string output = r.StandardOutput + r.StandardError;
        // qemu-io exits 0 even when a command in it failed ("write failed: ..."); its output says so.
        if (r.ExitCode != 0 || output.Contains("failed", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"`{program} {string.Join(' ', args)}` exited {r.ExitCode}: {output}");
        }

        return output;
    }
}
