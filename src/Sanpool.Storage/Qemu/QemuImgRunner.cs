using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// Runs qemu-img from an argv list (never a shell) under the limits its kind of command gets,
/// streaming stdout so that <c>-p</c> progress is reported while the command runs. A failure
/// is QEMU_IMG_FAILED naming the full command line (limiters included), the exit code and
/// stderr; a run past its deadline is killed and is QEMU_IMG_TIMEOUT; cancellation kills it too.
/// </summary>
internal sealed class QemuImgRunner
{
    private static readonly int[] ExitZero = [0];

    private readonly QemuImgOptions _options;

    public QemuImgRunner(QemuImgOptions options)
    {
        _options = options;
    }

    public enum Kind
    {
        /// <summary>Reads or writes headers only (create, rebase -u): metadata deadline, no limits.</summary>
        Metadata,

        /// <summary>Parses an image's metadata (info, check, measure): under <see cref="QemuImgOptions.UntrustedImageLimits"/>.</summary>
        Untrusted,

        /// <summary>Moves data (convert, commit, compare): at <see cref="QemuImgOptions.DataPriority"/>, data deadline.</summary>
        Data,
    }

    public Task<ToolResult> RunAsync(Kind kind, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(kind, arguments, ExitZero, null, cancellationToken);

    public async Task<ToolResult> RunAsync(
        Kind kind,
        IReadOnlyList<string> arguments,
        IReadOnlyCollection<int> acceptedExitCodes,
        Action<double>? progress,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var argv = Prefix(kind);
        argv.Add(QemuToolLocator.Find(_options.QemuImgPath));
        argv.AddRange(arguments);
        string commandLine = FormatCommandLine(argv);
        TimeSpan timeout = kind == Kind.Data ? _options.DataTimeout : _options.MetadataTimeout;

        using var process = Start(argv, commandLine);
        var parser = progress is null ? null : new QemuProgressParser(progress);
        var stdout = PumpAsync(process.StandardOutput, parser);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync(process).ConfigureAwait(false);

            // The pipes close once the whole process tree is gone; do not leave readers behind.
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new SanpoolException(QemuErrors.QemuImgTimeout,
                string.Create(CultureInfo.InvariantCulture, $"{commandLine} did not finish within {timeout.TotalSeconds:0.#} s and was killed"),
                isTransient: true);
        }

        var result = new ToolResult(argv, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        if (!acceptedExitCodes.Contains(result.ExitCode))
        {
            string detail = result.Stderr.Trim();
            throw new SanpoolException(QemuErrors.QemuImgFailed,
                $"{commandLine} exited with {result.ExitCode}: {(detail.Length > 0 ? detail : result.Stdout.Trim())}");
        }

        return result;
    }

    private List<string> Prefix(Kind kind)
    {
        var argv = new List<string>();
        if (kind == Kind.Untrusted && _options.UntrustedImageLimits is { } limits)
        {
            argv.AddRange([
                QemuToolLocator.Find("prlimit"),
                string.Create(CultureInfo.InvariantCulture, $"--cpu={limits.CpuSeconds}"),
                string.Create(CultureInfo.InvariantCulture, $"--as={limits.AddressSpaceBytes}"),
                "--",
            ]);
        }

        if (kind == Kind.Data && _options.DataPriority is { } priority)
        {
            argv.AddRange([
                QemuToolLocator.Find("nice"), "-n", priority.Nice.ToString(CultureInfo.InvariantCulture),
                QemuToolLocator.Find("ionice"), "-c", priority.IoClass.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        return argv;
    }

    private static Process Start(List<string> argv, string commandLine)
    {
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in argv.Skip(1))
        {
            info.ArgumentList.Add(a);
        }

        // qemu-img prints messages in the C locale's words; make sure it does.
        info.Environment["LC_ALL"] = "C";
        try
        {
            var process = Process.Start(info) ?? throw new InvalidOperationException("no process");

            // qemu-img never reads stdin; closing it makes any prompt see end of file.
            process.StandardInput.Close();
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SanpoolException(QemuErrors.QemuToolMissing, $"cannot run {commandLine}: {e.Message}", innerException: e);
        }
    }

    private static async Task<string> PumpAsync(StreamReader reader, QemuProgressParser? parser)
    {
        var all = new StringBuilder();
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            all.Append(buffer, 0, n);
            parser?.Feed(buffer.AsSpan(0, n));
        }

        parser?.Finish();
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

    private static string FormatCommandLine(IEnumerable<string> argv) =>
        string.Join(' ', argv.Select(a => a.Length == 0 ? "''" : a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}
