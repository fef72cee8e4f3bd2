using System.Globalization;
using Sanpool.Core.Tools;

namespace Sanpool.BlockIO;

/// <summary>
/// A loop device over a sparse file of our own, standing in for a shared LUN on one machine
/// (demos and tests). It detaches exactly the device it attached: before <c>losetup -d</c> it
/// checks that the kernel still backs that device with our file, so a device number reused by
/// someone else is never touched. Dispose never throws.
/// </summary>
public sealed class LoopDevice : IAsyncDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _kernelBackingFile;
    private int _disposed;
    private bool _ownsFile = true;

    private LoopDevice(string path, string backingFile, int sectorSize, long size)
    {
        Path = path;
        BackingFile = backingFile;
        SectorSize = sectorSize;
        Size = size;

        // Read right after losetup printed the device: the kernel's own spelling of our file.
        _kernelBackingFile = ReadKernelBackingFile(path);
    }

    /// <summary>/dev/loopN.</summary>
    public string Path { get; }

    public string BackingFile { get; }

    /// <summary>The logical sector size the device reports (512 or 4096).</summary>
    public int SectorSize { get; }

    public long Size { get; }

    /// <summary>
    /// Creates a sparse file of <paramref name="sizeBytes"/> in <paramref name="backingDir"/> and
    /// attaches it (direct I/O when the file system allows), checking the sector size it got.
    /// </summary>
    public static async Task<LoopDevice> CreateAsync(string backingDir, long sizeBytes, int sectorSize = 512, CancellationToken cancellationToken = default)
    {
        if (sectorSize is not (512 or 4096) || sizeBytes <= 0 || sizeBytes % 4096 != 0)
        {
            throw new ArgumentException($"need sector size 512 or 4096 and a size that is a positive multiple of 4096 (got {sectorSize}, {sizeBytes})");
        }

        string file = System.IO.Path.GetFullPath(System.IO.Path.Combine(backingDir, $"loop-{Guid.NewGuid():N}.img"));
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(sizeBytes);
        }

        string? device = null;
        try
        {
            device = await AttachAsync(file, sectorSize, directIo: true, cancellationToken).ConfigureAwait(false)
                     ?? await AttachAsync(file, sectorSize, directIo: false, cancellationToken).ConfigureAwait(false);
            var loop = new LoopDevice(device!, file, sectorSize, sizeBytes);
            await loop.VerifySectorSizeAsync(cancellationToken).ConfigureAwait(false);
            return loop;
        }
        catch
        {
            if (device is not null)
            {
                await new LoopDevice(device, file, sectorSize, sizeBytes).DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                File.Delete(file);
            }

            throw;
        }
    }

    /// <summary>
    /// Attaches another loop device to an existing file (another LUN's backing file, or a file
    /// on a FUSE mount that stands in for a failing path to it). The file stays the caller's:
    /// dispose detaches the device and leaves the file.
    /// </summary>
    public static async Task<LoopDevice> AttachExistingAsync(string file, int sectorSize = 512, CancellationToken cancellationToken = default)
    {
        string full = System.IO.Path.GetFullPath(file);
        long size = new FileInfo(full).Length;
        string device = await AttachAsync(full, sectorSize, directIo: true, cancellationToken).ConfigureAwait(false)
                        ?? await AttachAsync(full, sectorSize, directIo: false, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException($"losetup could not attach {full}");
        var loop = new LoopDevice(device, full, sectorSize, size) { _ownsFile = false };
        try
        {
            await loop.VerifySectorSizeAsync(cancellationToken).ConfigureAwait(false);
            return loop;
        }
        catch
        {
            await loop.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The device losetup attached, or null if it refused direct I/O (then try without).</summary>
    private static async Task<string?> AttachAsync(string file, int sectorSize, bool directIo, CancellationToken cancellationToken)
    {
        List<string> argv = ["losetup", "--find", "--show"];
        if (sectorSize != 512)
        {
            argv.AddRange(["--sector-size", sectorSize.ToString(CultureInfo.InvariantCulture)]);
        }

        if (directIo)
        {
            argv.Add("--direct-io=on");
        }

        argv.Add(file);
        var result = await ExternalTool.RunAsync(argv, ToolTimeout, cancellationToken, check: !directIo).ConfigureAwait(false);
        string printed = result.Stdout.Trim();
        bool attached = printed.StartsWith("/dev/loop", StringComparison.Ordinal);
        if (result.ExitCode == 0 && attached)
        {
            return printed;
        }

        if (attached)
        {
            await new LoopDevice(printed, file, sectorSize, 0).DetachAsync().ConfigureAwait(false);
        }

        return null;
    }

    private async Task VerifySectorSizeAsync(CancellationToken cancellationToken)
    {
        var result = await ExternalTool.RunAsync(["blockdev", "--getss", Path], ToolTimeout, cancellationToken).ConfigureAwait(false);
        int reported = int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
        if (reported != SectorSize)
        {
            throw new InvalidOperationException($"{Path} reports {reported}-byte sectors, not the {SectorSize} asked for");
        }
    }

    private bool IsStillOurs()
    {
        string? now = ReadKernelBackingFile(Path);
        return now is not null
               && now == _kernelBackingFile
               && System.IO.Path.GetFileName(now) == System.IO.Path.GetFileName(BackingFile);
    }

    private static string? ReadKernelBackingFile(string device)
    {
        string sys = $"/sys/block/{System.IO.Path.GetFileName(device)}/loop/backing_file";
        try
        {
            return File.Exists(sys) ? File.ReadAllText(sys).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task DetachAsync()
    {
        if (!IsStillOurs())
        {
            return;
        }

        try
        {
            var result = await ExternalTool.RunAsync(["losetup", "-d", Path], ToolTimeout, CancellationToken.None, check: false).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                await Console.Error.WriteLineAsync($"warning: `{result.CommandLine}` failed: {result.Stderr.Trim()}").ConfigureAwait(false);
            }
        }
        catch (Core.SanpoolException e)
        {
            await Console.Error.WriteLineAsync($"warning: could not detach {Path}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Detaches the device and deletes the backing file if it made it; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DetachAsync().ConfigureAwait(false);
        if (!_ownsFile)
        {
            return;
        }

        try
        {
            File.Delete(BackingFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    public override string ToString() => $"{Path} ({SectorSize}-byte sectors, {BackingFile})";
}
