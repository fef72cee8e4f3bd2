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
        var argv = Prefix(kind);
        argv.Add(ToolLocator.Find(_options.QemuImgPath, QemuErrors.QemuToolMissing));
        argv.AddRange(arguments);
        var parser = progress is null ? null : new QemuProgressParser(progress);
        var result = await ExternalTool.RunAsync(argv, new ToolRunOptions
        {
            Timeout = kind == Kind.Data ? _options.DataTimeout : _options.MetadataTimeout,
            AcceptedExitCodes = acceptedExitCodes,
            Environment = kind == Kind.Untrusted ? FewArenas : null,
            OnStdout = parser is null ? null : chunk => parser.Feed(chunk.Span),
            FailedCode = QemuErrors.QemuImgFailed,
            TimeoutCode = QemuErrors.QemuImgTimeout,
            MissingCode = QemuErrors.QemuToolMissing,
        }, cancellationToken).ConfigureAwait(false);
        parser?.Finish();
        return result;
    }

    /// <summary>
    /// The address-space cap counts every glibc malloc arena qemu's threads create (64 MiB
    /// reserved each, up to 8 per core) and every I/O worker's stack: under load an honest
    /// <c>measure</c> of a ten-volume chain reached 1 GiB and died in qemu_thread_create
    /// (EAGAIN). Two arenas keep the reservation to what the image really needs.
    /// </summary>
    private static readonly Dictionary<string, string> FewArenas = new(StringComparer.Ordinal) { ["MALLOC_ARENA_MAX"] = "2" };

    private List<string> Prefix(Kind kind)
    {
        var argv = new List<string>();
        if (kind == Kind.Untrusted && _options.UntrustedImageLimits is { } limits)
        {
            argv.AddRange([
                ToolLocator.Find("prlimit", QemuErrors.QemuToolMissing),
                string.Create(CultureInfo.InvariantCulture, $"--cpu={limits.CpuSeconds}"),
                string.Create(CultureInfo.InvariantCulture, $"--as={limits.AddressSpaceBytes}"),
                "--",
            ]);
        }

        if (kind == Kind.Data && _options.DataPriority is { } priority)
        {
            argv.AddRange([
                ToolLocator.Find("nice", QemuErrors.QemuToolMissing), "-n", priority.Nice.ToString(CultureInfo.InvariantCulture),
                ToolLocator.Find("ionice", QemuErrors.QemuToolMissing), "-c", priority.IoClass.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        return argv;
    }
}
