using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.DataPath;

/// <summary>
/// An LV reached through device-mapper, as VDSM reaches it: activated on this host
/// (<c>lvchange -ay</c>), its node /dev/&lt;vg&gt;/&lt;lv&gt; opened with O_DIRECT, and after the
/// SPM extends it, <c>lvchange --refresh</c> reloads the table so the open node grows. The
/// size is read from the node (lseek to its end) at open and after each refresh, and kept:
/// the export checks every write against it. Deactivated when disposed.
/// <para>
/// The SPM's own lvm commands never touch the tables (activation is off for them, see
/// <see cref="LvmConfig"/>), so an LV active here changes size only when this host refreshes it.
/// </para>
/// </summary>
internal sealed class ActivatedLv : ILvDevice
{
    private readonly DirectBlockDevice _device;
    private readonly Func<CancellationToken, Task> _reload;
    private readonly Func<Task>? _release;
    private readonly string _name;
    private long _size;

    /// <param name="device">The LV's node, open.</param>
    /// <param name="reload">Makes the node show the LV's size now (<c>lvchange --refresh</c>).</param>
    /// <param name="release">Run after the node is closed (<c>lvchange -an</c>); its failure is ignored.</param>
    internal ActivatedLv(DirectBlockDevice device, Func<CancellationToken, Task> reload, Func<Task>? release, string name)
    {
        _device = device;
        _reload = reload;
        _release = release;
        _name = name;
        _size = device.Size;
    }

    /// <summary>The LV's node, /dev/&lt;vg&gt;/&lt;lv&gt;.</summary>
    public string Path => _device.Path;

    public long Size => Interlocked.Read(ref _size);

    public int SectorSize => _device.SectorSize;

    /// <summary>Activates <paramref name="vg"/>/<paramref name="lv"/> and opens its node; deactivates again if the open fails.</summary>
    public static async Task<ActivatedLv> OpenAsync(LvmCommand lvm, string vg, string lv, bool readOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        await lvm.LvActivateAsync(vg, lv, cancellationToken).ConfigureAwait(false);
        string path = LvmCommand.DevicePath(vg, lv);
        DirectBlockDevice device;
        try
        {
            device = DirectBlockDevice.Open(path, readOnly, sync: false);
        }
        catch (SanpoolException)
        {
            await Deactivate(lvm, vg, lv).ConfigureAwait(false);
            throw;
        }

        return new ActivatedLv(device, ct => lvm.LvRefreshAsync(vg, lv, ct), () => Deactivate(lvm, vg, lv), $"LV {vg}/{lv} at {path}");
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _device.ReadAsync(offset, buffer, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteAsync(offset, data, fua: false, cancellationToken);

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        await _device.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
        if (fua)
        {
            await _device.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken) => _device.FlushAsync(cancellationToken);

    public async Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        await _reload(cancellationToken).ConfigureAwait(false);
        long size = _device.Size;
        long was = Size;
        if (size < was)
        {
            throw new SanpoolException(LvmErrors.BadReport, $"{_name} shrank from {was} to {size} bytes while served; writes stay within the old size");
        }

        Interlocked.Exchange(ref _size, size);
        return size;
    }

    public async ValueTask DisposeAsync()
    {
        await _device.DisposeAsync().ConfigureAwait(false);
        if (_release is not null)
        {
            await _release().ConfigureAwait(false);
        }
    }

    public override string ToString() => _name;

    /// <summary>
    /// Best effort: an LV left active holds only a table entry on this host, and the next
    /// prepare activates it again as it is; the error must not hide the one that led here.
    /// </summary>
    private static async Task Deactivate(LvmCommand lvm, string vg, string lv)
    {
        try
        {
            await lvm.LvDeactivateAsync(vg, lv, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SanpoolException)
        {
        }
    }
}
