using Sanpool.Core.Tools;

namespace Sanpool.BlockIO;

/// <summary>
/// A loop device over a file, made with losetup, for local demos of a shared LUN. It detaches
/// exactly the device it attached, and nothing else.
/// </summary>
public sealed class LoopDevice : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private LoopDevice(string path, string backingFile)
    {
        Path = path;
        BackingFile = backingFile;
    }

    /// <summary>/dev/loopN.</summary>
    public string Path { get; }

    public string BackingFile { get; }

    /// <summary>Creates a sparse file of <paramref name="size"/> bytes and attaches it with direct I/O.</summary>
    public static async Task<LoopDevice> AttachNewAsync(string backingFile, long size, int sectorSize, CancellationToken cancellationToken)
    {
        await using (var f = File.Create(backingFile))
        {
            f.SetLength(size);
        }

        var argv = new List<string> { "losetup", "--find", "--show", "--direct-io=on" };
        if (sectorSize != 512)
        {
            argv.AddRange(["--sector-size", sectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        argv.Add(backingFile);
        var result = await ExternalTool.RunAsync(argv, Timeout, cancellationToken).ConfigureAwait(false);
        return new LoopDevice(result.Stdout.Trim(), backingFile);
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalTool.RunAsync(["losetup", "-d", Path], Timeout, CancellationToken.None, check: false).ConfigureAwait(false);
        File.Delete(BackingFile);
    }
}
