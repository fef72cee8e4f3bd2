using System.Globalization;

namespace Sanpool.TestSupport;

/// <summary>
/// A real block device for tests: a sparse file attached to a free /dev/loopN with the
/// logical sector size asked for, so that direct I/O meets the kernel's real alignment rules
/// (a 4096-sector device refuses 512-byte I/O). Dispose detaches exactly the device this
/// created, and only while it is still backed by this file, so a test never touches anyone
/// else's loop device, and deletes the file.
/// </summary>
public sealed class LoopDevice : IAsyncDisposable
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly string? _kernelBackingFile;
    private int _disposed;

    private LoopDevice(string path, string backingFile, int sectorSize, long size)
    {
        Path = path;
        BackingFile = backingFile;
        SectorSize = sectorSize;
        Size = size;

        // Read back right after losetup printed this device, so it is the kernel's own
        // spelling of our file (symlinks resolved); dispose compares against it.
        _kernelBackingFile = ReadKernelBackingFile(path);
    }

    /// <summary>The device node, /dev/loopN.</summary>
    public string Path { get; }

    public string BackingFile { get; }

    public int SectorSize { get; }

    public long Size { get; }

    /// <summary>Creates a sparse file in <paramref name="backingDir"/> and attaches it.</summary>
    /// <exception cref="PrerequisiteMissingException">Not root, or losetup missing.</exception>
    /// <exception cref="InvalidOperationException">losetup failed, or the device reports another sector size.</exception>
    public static async Task<LoopDevice> CreateAsync(string backingDir, long sizeBytes, int sectorSize = 512, CancellationToken cancellationToken = default)
    {
        Requires.LoopDevices();
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
                     ?? await AttachAsync(file, sectorSize, directIo: false, cancellationToken).ConfigureAwait(false)
                     ?? throw new InvalidOperationException($"losetup could not attach {file}");
            var loop = new LoopDevice(device, file, sectorSize, sizeBytes);
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
    /// Runs losetup once; returns the device on success. If losetup failed after attaching
    /// (it prints the device first), that device is detached again before returning null.
    /// </summary>
    private static async Task<string?> AttachAsync(string file, int sectorSize, bool directIo, CancellationToken cancellationToken)
    {
        List<string> args = ["--find", "--show"];
        if (sectorSize != 512)
        {
            args.AddRange(["--sector-size", sectorSize.ToString(CultureInfo.InvariantCulture)]);
        }

        if (directIo)
        {
            args.Add("--direct-io=on");
        }

        args.Add(file);
        var result = await ToolRunner.RunAsync("losetup", args, timeout: ToolTimeout, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        string printed = result.StandardOutput.Trim();
        bool attached = printed.StartsWith("/dev/loop", StringComparison.Ordinal);
        if (result.Succeeded && attached)
        {
            return printed;
        }

        if (attached)
        {
            await new LoopDevice(printed, file, sectorSize, 0).DetachAsync().ConfigureAwait(false);
        }

        if (!directIo)
        {
            result.EnsureSuccess();
        }

        return null;
    }

    private async Task VerifySectorSizeAsync(CancellationToken cancellationToken)
    {
        var result = (await ToolRunner.RunAsync("blockdev", ["--getss", Path], timeout: ToolTimeout, cancellationToken: cancellationToken)
            .ConfigureAwait(false)).EnsureSuccess();
        int reported = int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        if (reported != SectorSize)
        {
            throw new InvalidOperationException($"{Path} reports {reported}-byte sectors, not the {SectorSize} asked for");
        }
    }

    /// <summary>
    /// True while <see cref="Path"/> is still attached to our file: if the device was detached
    /// by someone else and reused, it is not ours to detach.
    /// </summary>
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
            var result = await ToolRunner.RunAsync("losetup", ["-d", Path], timeout: ToolTimeout).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"warning: `{result.CommandLine}` failed: {result.StandardError.Trim()}").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"warning: could not detach {Path}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Detaches the device and deletes the backing file; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await DetachAsync().ConfigureAwait(false);
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
