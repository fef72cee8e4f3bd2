using System.Globalization;
using System.Text.RegularExpressions;
using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// The one wrapper for qemu-img. Every command gets an explicit <c>-f</c> where the format is
/// known (probing the format of a guest-written raw volume is how a guest gets qemu to read a
/// file of its choice), an argv list, JSON output parsed into records, and the limits of its
/// kind (<see cref="QemuImgOptions"/>): info/check/measure under prlimit, convert/commit/compare
/// at nice/ionice idle priority. Targets are plain paths or any qemu filename
/// (<see cref="QemuTarget"/>). Backing names written into headers must pass
/// <see cref="BackingFilePolicy.CheckName"/> (bare volume UUIDs).
/// </summary>
public sealed partial class QemuImg
{
    private static readonly int[] CheckExitCodes = [0, 2, 3, 63];
    private static readonly int[] CompareExitCodes = [0, 1];

    private readonly QemuImgRunner _runner;

    public QemuImg(QemuImgOptions? options = null)
    {
        Options = options ?? QemuImgOptions.Default;
        _runner = new QemuImgRunner(Options);
    }

    public QemuImgOptions Options { get; }

    /// <summary>
    /// Creates an image of <paramref name="sizeBytes"/> virtual bytes, qcow2 at the configured
    /// compat level. With a backing file the header names it as <c>-b uuid -F fmt</c>, and
    /// <c>-u</c> is added when qemu cannot reach the parent from the target's directory (a
    /// parent LV not activated here, or any non-path target). A <c>json:</c> target is built in
    /// a temporary file and copied in, as qemu-img cannot create on <c>json:</c>; a raw image on
    /// a <c>json:</c> target is only checked to be large enough.
    /// </summary>
    public async Task CreateAsync(
        QemuTarget target,
        QemuImageFormat format,
        long sizeBytes,
        QemuBacking? backing = null,
        QemuPreallocation? preallocation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        if (backing is not null)
        {
            if (format != QemuImageFormat.Qcow2)
            {
                throw CommonErrors.Invalid("only a qcow2 image can have a backing file");
            }

            BackingFilePolicy.CheckName(backing.VolumeId);
        }

        if (!target.IsJson)
        {
            await RunCreateAsync(target.Filename, format, sizeBytes, backing, NeedsUnsafe(target, backing), preallocation, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (format == QemuImageFormat.Raw)
        {
            await EnsureLargeEnoughAsync(target, sizeBytes, preallocation, cancellationToken).ConfigureAwait(false);
            return;
        }

        string staging = Path.Combine(Options.TempDirectory, $"sanpool-create-{Guid.NewGuid():N}.qcow2");
        try
        {
            await RunCreateAsync(staging, format, sizeBytes, backing, unsafeBacking: backing is not null, preallocation, cancellationToken).ConfigureAwait(false);
            await _runner.RunAsync(QemuImgRunner.Kind.Metadata,
                ["convert", "-n", "-f", "raw", "-O", "raw", staging, target.Argument(QemuImageFormat.Raw)], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary><c>qemu-img info --output json</c> of one image (its backing file is not opened).</summary>
    public async Task<QemuImageInfo> InfoAsync(QemuTarget target, QemuImageFormat? format = null, CancellationToken cancellationToken = default)
    {
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Untrusted, InfoArguments(target, format, chain: false), cancellationToken).ConfigureAwait(false);
        return QemuImgJson.Info(run);
    }

    /// <summary><c>qemu-img info --backing-chain --output json</c>: every layer, top first.</summary>
    public async Task<IReadOnlyList<QemuImageInfo>> InfoChainAsync(QemuTarget target, QemuImageFormat? format = null, CancellationToken cancellationToken = default)
    {
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Untrusted, InfoArguments(target, format, chain: true), cancellationToken).ConfigureAwait(false);
        return QemuImgJson.Chain(run);
    }

    /// <summary>
    /// <c>qemu-img check --output json</c>. Leaks (exit 3) and corruptions (exit 2) are results;
    /// a format without checks (exit 63, raw) is <see cref="QemuCheckStatus.NotSupported"/>;
    /// anything else (1: cannot open) is QEMU_IMG_FAILED. The backing file is not opened.
    /// </summary>
    public async Task<QemuImageCheck> CheckAsync(QemuTarget target, QemuImageFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Untrusted,
            ["check", "--output", "json", "-f", format.ToQemuName(), target.Argument(format, withoutBacking: true)],
            CheckExitCodes, null, cancellationToken).ConfigureAwait(false);
        var status = run.ExitCode switch
        {
            0 => QemuCheckStatus.Clean,
            2 => QemuCheckStatus.Corrupt,
            3 => QemuCheckStatus.Leaks,
            _ => QemuCheckStatus.NotSupported,
        };
        return status == QemuCheckStatus.NotSupported
            ? new QemuImageCheck { Status = status, Filename = target.Filename, Format = format.ToQemuName() }
            : QemuImgJson.Check(run, status);
    }

    /// <summary><c>qemu-img measure</c> of an image (its whole chain) as <paramref name="outputFormat"/>.</summary>
    public async Task<QemuImageMeasure> MeasureAsync(QemuTarget source, QemuImageFormat sourceFormat, QemuImageFormat outputFormat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Untrusted,
            ["measure", "--output", "json", "-f", sourceFormat.ToQemuName(), "-O", outputFormat.ToQemuName(), source.Argument(sourceFormat)],
            cancellationToken).ConfigureAwait(false);
        return QemuImgJson.Measure(run);
    }

    /// <summary><c>qemu-img measure --size</c>: a new empty image of <paramref name="sizeBytes"/>.</summary>
    public async Task<QemuImageMeasure> MeasureSizeAsync(long sizeBytes, QemuImageFormat outputFormat, CancellationToken cancellationToken = default)
    {
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Untrusted,
            ["measure", "--output", "json", "--size", sizeBytes.ToString(CultureInfo.InvariantCulture), "-O", outputFormat.ToQemuName()],
            cancellationToken).ConfigureAwait(false);
        return QemuImgJson.Measure(run);
    }

    /// <summary>
    /// <c>qemu-img commit -p</c>: writes <paramref name="top"/>'s data into its backing file, or
    /// into <paramref name="baseImage"/> further down the chain (a name as the chain's headers
    /// or full paths give it). With a base the top is left as it was (qemu only empties it
    /// without -b). Progress goes to <paramref name="progress"/> as it is printed.
    /// </summary>
    public async Task CommitAsync(
        QemuTarget top,
        QemuImageFormat topFormat,
        string? baseImage = null,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(top);
        var args = new List<string> { "commit", "-p", "-f", topFormat.ToQemuName() };
        AddCache(args, "-t");
        if (baseImage is not null)
        {
            args.AddRange(["-b", baseImage]);
        }

        args.Add(top.Argument(topFormat));
        await _runner.RunAsync(QemuImgRunner.Kind.Data, args, [0], progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>qemu-img rebase -u</c>: rewrites only the qcow2 header of <paramref name="image"/> to
    /// name <paramref name="newBacking"/> (null: no backing file). No data is read or moved; the
    /// caller guarantees the new parent reads the same as the old one.
    /// </summary>
    public async Task RebaseUnsafeAsync(QemuTarget image, QemuBacking? newBacking, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var args = new List<string> { "rebase", "-u", "-f", "qcow2" };
        if (newBacking is null)
        {
            args.AddRange(["-b", ""]);
        }
        else
        {
            BackingFilePolicy.CheckName(newBacking.VolumeId);
            args.AddRange(["-b", newBacking.VolumeId, "-F", newBacking.Format.ToQemuName()]);
        }

        args.Add(image.Argument(QemuImageFormat.Qcow2));
        await _runner.RunAsync(QemuImgRunner.Kind.Metadata, args, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>qemu-img convert -p</c>: copies what <paramref name="source"/> (with its chain) reads
    /// into <paramref name="target"/> as <paramref name="outputFormat"/>, reporting progress as
    /// qemu prints it.
    /// </summary>
    public async Task ConvertAsync(
        QemuTarget source,
        QemuImageFormat sourceFormat,
        QemuTarget target,
        QemuImageFormat outputFormat,
        QemuConvertOptions? options = null,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        options ??= QemuConvertOptions.Default;
        bool create = options.CreateTarget && !target.IsJson;
        var args = new List<string> { "convert", "-p", "-f", sourceFormat.ToQemuName(), "-O", outputFormat.ToQemuName() };
        AddCache(args, "-t");
        if (create)
        {
            AddCreateOptions(args, outputFormat, options.Preallocation);
            if (options.TargetBacking is { } backing)
            {
                BackingFilePolicy.CheckName(backing.VolumeId);
                args.AddRange(["-B", backing.VolumeId, "-F", backing.Format.ToQemuName()]);
            }
        }
        else
        {
            args.Add("-n");
            if (options.TargetIsZero)
            {
                args.Add("--target-is-zero");
            }
        }

        if (options.Unordered)
        {
            args.Add("-W");
        }

        args.AddRange([source.Argument(sourceFormat), target.Argument(outputFormat)]);
        await _runner.RunAsync(QemuImgRunner.Kind.Data, args, [0], progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>qemu-img compare</c>: whether two images read the same to a guest. A difference is a
    /// result (exit 1), not an error; <paramref name="strict"/> also fails on different sizes
    /// or allocation (<c>-s</c>).
    /// </summary>
    public async Task<QemuCompareResult> CompareAsync(
        QemuTarget first,
        QemuImageFormat firstFormat,
        QemuTarget second,
        QemuImageFormat secondFormat,
        bool strict = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var args = new List<string> { "compare", "-f", firstFormat.ToQemuName(), "-F", secondFormat.ToQemuName() };
        if (strict)
        {
            args.Add("-s");
        }

        args.AddRange([first.Argument(firstFormat), second.Argument(secondFormat)]);
        var run = await _runner.RunAsync(QemuImgRunner.Kind.Data, args, CompareExitCodes, null, cancellationToken).ConfigureAwait(false);
        string detail = run.Stdout.Trim();
        if (run.ExitCode == 0)
        {
            return new QemuCompareResult(true, null, detail);
        }

        var offset = MismatchOffset().Match(detail);
        return new QemuCompareResult(false, offset.Success ? long.Parse(offset.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null, detail);
    }

    private static bool NeedsUnsafe(QemuTarget target, QemuBacking? backing) =>
        backing is not null && (!target.IsPath || !File.Exists(Path.Combine(target.Directory ?? "", backing.VolumeId)));

    private async Task RunCreateAsync(
        string filename,
        QemuImageFormat format,
        long sizeBytes,
        QemuBacking? backing,
        bool unsafeBacking,
        QemuPreallocation? preallocation,
        CancellationToken cancellationToken)
    {
        var args = new List<string> { "create", "-q", "-f", format.ToQemuName() };
        AddCreateOptions(args, format, preallocation);
        if (backing is not null)
        {
            args.AddRange(["-b", backing.VolumeId, "-F", backing.Format.ToQemuName()]);
            if (unsafeBacking)
            {
                args.Add("-u");
            }
        }

        args.AddRange([filename, sizeBytes.ToString(CultureInfo.InvariantCulture)]);
        await _runner.RunAsync(QemuImgRunner.Kind.Metadata, args, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureLargeEnoughAsync(QemuTarget target, long sizeBytes, QemuPreallocation? preallocation, CancellationToken cancellationToken)
    {
        if (preallocation is not (null or QemuPreallocation.Off))
        {
            throw CommonErrors.Invalid($"preallocation {preallocation} cannot be applied to {target}");
        }

        var info = await InfoAsync(target, QemuImageFormat.Raw, cancellationToken).ConfigureAwait(false);
        if (info.VirtualSize < sizeBytes)
        {
            throw new SanpoolException(QemuErrors.QemuImgFailed,
                $"{target} holds {info.VirtualSize} bytes, less than the {sizeBytes} bytes asked for");
        }
    }

    private List<string> InfoArguments(QemuTarget target, QemuImageFormat? format, bool chain)
    {
        ArgumentNullException.ThrowIfNull(target);
        var args = new List<string> { "info", "--output", "json" };
        if (Options.ForceShareOnInfo)
        {
            args.Add("-U");
        }

        if (chain)
        {
            args.Add("--backing-chain");
        }

        if (format is { } f)
        {
            args.AddRange(["-f", f.ToQemuName()]);
        }

        args.Add(target.Argument(format));
        return args;
    }

    private void AddCreateOptions(List<string> args, QemuImageFormat format, QemuPreallocation? preallocation)
    {
        var options = new List<string>();
        if (format == QemuImageFormat.Qcow2)
        {
            options.Add($"compat={Options.Qcow2Compat}");
        }

        if (preallocation is { } p)
        {
            options.Add($"preallocation={p.ToString().ToLowerInvariant()}");
        }

        if (options.Count > 0)
        {
            args.AddRange(["-o", string.Join(',', options)]);
        }
    }

    private void AddCache(List<string> args, string flag)
    {
        if (Options.WriteCache is { } cache)
        {
            args.AddRange([flag, cache]);
        }
    }

    [GeneratedRegex(@"offset (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex MismatchOffset();
}
