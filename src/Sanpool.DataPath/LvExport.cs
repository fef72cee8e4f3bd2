using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Nbd;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Thin;
using Sanpool.Storage.Volumes;

namespace Sanpool.DataPath;

/// <summary>
/// A volume's LV served to qemu over NBD (DESIGN section 4). A thin volume is exported at its
/// maximum size while its LV is smaller:
/// <code>
///  export  [0 ........................................ MaximumSize)
///  LV      [0 ............ CurrentSize)                              a write ending past here:
///                            ^ highest write (the watermark)         ENOSPC, and OutOfSpace
/// </code>
/// exactly what a too-small block device gives qemu, whose <c>werror=enospc</c> then pauses
/// the VM. Reads past the LV's end read zeroes (nothing was ever written there). After the SPM
/// extends the LV, <see cref="RefreshAsync"/> maps the new size; connections stay up.
/// <para>
/// Under the export is the LV's backing (<see cref="LvDataPathMode"/>): without device-mapper
/// the LV's segments mapped onto its PVs (<see cref="LvBlockDevice"/>), with it the activated LV's
/// node (<see cref="ActivatedLv"/>). Everything a client or the thin monitor sees is the same
/// for both.
/// </para>
/// </summary>
public sealed class LvExport : INbdExport, IThinVolume, IAsyncDisposable
{
    private const long Disarmed = -1;
    /// <summary>Sector-aligned native zeroes (an AlignedBuffer starts zeroed), so write-zeroes goes to the device without a bounce copy.</summary>
    private static readonly AlignedBuffer Zeroes = new(1024 * 1024);

    private readonly ILvDevice _backing;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private long _highestWrite;
    private long _highestRefused;
    private long _threshold = Disarmed;
    private volatile bool _disposed;

    internal LvExport(ILvDevice backing, VolumeIdentity identity, long exportSize, bool readOnly)
    {
        _backing = backing;
        Domain = identity.Domain;
        Image = identity.Image;
        Volume = identity.Volume;
        MaximumSize = Math.Max(exportSize, backing.Size);
        ReadOnly = readOnly;
        Name = NameOf(identity.Domain, identity.Volume);
    }

    /// <summary>The export name of a volume: "&lt;domain&gt;/&lt;volume&gt;", unique in one server.</summary>
    public static string NameOf(Guid domain, Guid volume) => $"{domain}/{volume}";

    public string Name { get; }

    public long Size => MaximumSize;

    public bool ReadOnly { get; }

    public int MinimumBlockSize => _backing.SectorSize;

    public Guid Domain { get; }

    public Guid Image { get; }

    public Guid Volume { get; }

    public long CurrentSize => _backing.Size;

    public long MaximumSize { get; }

    public long HighestWrite => Interlocked.Read(ref _highestWrite);

    /// <summary>The end of the highest write refused for lack of space (0 if none): where a paused VM needs room up to.</summary>
    public long HighestRefused => Interlocked.Read(ref _highestRefused);

    public event Action<IThinVolume, long>? ThresholdCrossed;

    public event Action<IThinVolume, long>? OutOfSpace;

    /// <summary>
    /// Opens <paramref name="identity"/>'s LV in VG <paramref name="vg"/> with the data path
    /// <paramref name="mode"/> (<see cref="LvDataPathMode.Auto"/> is resolved on this host).
    /// </summary>
    /// <param name="exportSize">The size clients see: the volume's maximum for a thin volume, the LV size (or less) otherwise; never below the LV size.</param>
    public static async Task<LvExport> OpenAsync(LvmCommand lvm, string vg, VolumeIdentity identity, long exportSize, bool readOnly, LvDataPathMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return await OpenAsync(lvm, vg, identity.Volume.ToString(), identity, exportSize, readOnly, mode, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LvExport> OpenAsync(LvmCommand lvm, string vg, string lv, VolumeIdentity identity, long exportSize, bool readOnly, LvDataPathMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ILvDevice backing = DeviceMapper.Resolve(mode, DeviceMapper.IsAvailable) == LvDataPathMode.Activated
            ? await ActivatedLv.OpenAsync(lvm, vg, lv, readOnly, cancellationToken).ConfigureAwait(false)
            : await LvBlockDevice.OpenAsync(lvm, vg, lv, readOnly, cancellationToken, sync: false).ConfigureAwait(false);
        return new LvExport(backing, identity, exportSize, readOnly);
    }

    /// <summary>
    /// Opens the export of <paramref name="volume"/> of <paramref name="manifest"/>'s domain over
    /// the LV the manifest names (<see cref="IDomainManifest.LvOf"/>); null on a file domain,
    /// whose qemu opens the volume's file.
    /// </summary>
    /// <inheritdoc cref="OpenAsync(LvmCommand, string, VolumeIdentity, long, bool, LvDataPathMode, CancellationToken)" path="/param"/>
    public static async Task<LvExport?> OpenAsync(IDomainManifest manifest, StoredVolume volume, long exportSize, bool readOnly, LvDataPathMode mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(volume);
        if (manifest.LvOf(volume) is not { } lv)
        {
            return null;
        }

        var identity = new VolumeIdentity(manifest.Info.Uuid, volume.Image, volume.Volume);
        return await OpenAsync(lv.Lvm, lv.Vg, lv.Lv, identity, exportSize, readOnly, mode, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int inLv = (int)Math.Clamp(_backing.Size - offset, 0, buffer.Length);
        if (inLv > 0)
        {
            await Io(() => _backing.ReadAsync(offset, buffer[..inLv], cancellationToken), "read", offset).ConfigureAwait(false);
        }

        buffer.Span[inLv..].Clear();
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        Writable(offset, data.Length);
        await Io(() => _backing.WriteAsync(offset, data, fua, cancellationToken), "write", offset).ConfigureAwait(false);
        Written(offset + data.Length);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken) =>
        await Io(() => _backing.FlushAsync(cancellationToken), "flush", 0).ConfigureAwait(false);

    /// <summary>An LV's extents stay allocated whatever is trimmed; trim is advice, and taking none is allowed.</summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask WriteZeroesAsync(long offset, long length, bool mayTrim, CancellationToken cancellationToken)
    {
        Writable(offset, length);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(Zeroes.Length, length - done);
            long at = offset + done;
            await Io(() => _backing.WriteAsync(at, Zeroes.Memory[..n], fua: false, cancellationToken), "write-zeroes", at).ConfigureAwait(false);
            done += n;
        }

        Written(offset + length);
    }

    public void SetWriteThreshold(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Interlocked.Exchange(ref _threshold, offset);
        Crossed(HighestWrite);
    }

    public async Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return await _backing.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _refresh.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _backing.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public override string ToString() => $"export {Name} ({_backing}, {CurrentSize} of {MaximumSize} bytes)";

    /// <summary>Checks [offset, offset + length) fits the LV; ENOSPC (and OutOfSpace) if it ends past it.</summary>
    private void Writable(long offset, long length)
    {
        long size = _backing.Size;
        long end = offset + length;
        if (end > size)
        {
            RaiseTo(ref _highestRefused, end);
            OutOfSpace?.Invoke(this, end);
            throw new NbdExportException(NbdErrno.ENOSPC, $"write of {length} bytes at {offset} ends past {_backing} ({size} bytes); waiting for an extension");
        }
    }

    private void Written(long end)
    {
        RaiseTo(ref _highestWrite, end);
        Crossed(end);
    }

    private static void RaiseTo(ref long field, long value)
    {
        long seen = Interlocked.Read(ref field);
        while (value > seen)
        {
            long was = Interlocked.CompareExchange(ref field, value, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }
    }

    /// <summary>Fires the armed threshold once, if <paramref name="end"/> is past it.</summary>
    private void Crossed(long end)
    {
        long threshold = Interlocked.Read(ref _threshold);
        if (threshold != Disarmed && end > threshold && Interlocked.CompareExchange(ref _threshold, Disarmed, threshold) == threshold)
        {
            ThresholdCrossed?.Invoke(this, end);
        }
    }

    /// <summary>Storage errors become EIO for the client, with the message kept for the log.</summary>
    private async ValueTask Io(Func<ValueTask> io, string what, long offset)
    {
        try
        {
            await io().ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            throw new NbdExportException(NbdErrno.EIO, $"{what} at {offset} of {Name} failed: {e.Message}", e);
        }
    }
}
