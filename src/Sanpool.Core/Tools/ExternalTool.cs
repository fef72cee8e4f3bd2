using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sanpool.Core.Tools;

/// <summary>
/// Runs an external program to its end (started by <see cref="ChildProcess"/>: an argv list,
/// found by <see cref="ToolLocator"/>, stdin closed) and turns its end into a result or a
/// SanpoolException that names the command, its exit code and its output. Each tool Sanpool
/// drives (lvm, qemu-img, losetup) has a thin wrapper on top of this.
/// <list type="bullet">
/// <item>LC_ALL=C, so messages read the same everywhere;</item>
/// <item>on timeout or cancellation the whole process tree is killed and the pipes drained.</item>
/// </list>
/// </summary>
public static class ExternalTool
{
    public static Task<ToolResult> RunAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken cancellationToken, bool check = true) =>
        RunAsync(argv, new ToolRunOptions { Timeout = timeout, AcceptedExitCodes = check ? ToolRunOptions.Default.AcceptedExitCodes : null }, cancellationToken);

    public static async Task<ToolResult> RunAsync(IReadOnlyList<string> argv, ToolRunOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string commandLine = CommandLine(argv);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["LC_ALL"] = "C" };
        foreach (var (name, value) in options.Environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        using var process = ChildProcess.Start(argv, new ChildProcessOptions { Environment = environment, PipeOutput = true, MissingCode = options.MissingCode });
        var stdout = PumpAsync(process.StandardOutput, options.OnStdout);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(options.Timeout);
        }

        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process).ConfigureAwait(false);
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new SanpoolException(options.TimeoutCode,
                string.Create(CultureInfo.InvariantCulture, $"{commandLine} did not finish within {options.Timeout.TotalSeconds:0.#} s and was killed"),
                isTransient: true);
        }

        var result = new ToolResult(argv, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        if (options.AcceptedExitCodes is { } accepted && !accepted.Contains(result.ExitCode))
        {
            string detail = result.Stderr.Trim();
            throw new SanpoolException(options.FailedCode,
                $"{commandLine} exited with {result.ExitCode}: {(detail.Length > 0 ? detail : result.Stdout.Trim())}");
        }

        return result;
    }

    /// <summary>The argv as one readable line, quoting what has spaces.</summary>
    public static string CommandLine(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length == 0 ? "''" : a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));

    private static async Task<string> PumpAsync(StreamReader reader, Action<ReadOnlyMemory<char>>? onChunk)
    {
        var all = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            all.Append(buffer, 0, n);
            onChunk?.Invoke(buffer.AsMemory(0, n));
        }

        return all.ToString();
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(reap.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // Already gone, or stuck in uninterruptible I/O: nothing more can be done from here.
        }
    }
}
