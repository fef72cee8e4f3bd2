using System.Collections.Concurrent;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Nbd;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Thin;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.DataPath;

/// <summary>
/// A volume's LV served to qemu over NBD without device-mapper (DESIGN section 4): every
/// request is cut by the LV's segment map into pieces on the PVs, and each piece goes to that
/// PV with O_DIRECT. A thin volume is exported at its maximum size while its LV is smaller:
/// <code>
///  export  [0 ........................................ MaximumSize)
///  LV      [0 ............ CurrentSize)                              a write ending past here:
///                            ^ highest write (the watermark)         ENOSPC, and OutOfSpace
/// </code>
/// exactly what a too-small block device gives qemu, whose <c>werror=enospc</c> then pauses
/// the VM. Reads past the LV's end read zeroes (nothing was ever written there).
/// <para>
/// After the SPM extends the LV, <see cref="RefreshAsync"/> reads the LV's segments again and
/// swaps the map in one step; connections stay up. Extension only appends segments (LVM
/// never moves an LV's extents while extending it), so a request in flight on the old map
/// still lands on the right bytes. PVs are opened once each and kept, so a new PV (the
/// domain was extended) is opened when a segment first names it.
/// </para>
/// </summary>
public sealed class LvExport : INbdExport, IThinVolume, IAsyncDisposable
{
    private const long Disarmed = -1;
    private static readonly ReadOnlyMemory<byte> Zeroes = new byte[1024 * 1024];

    private readonly LvmCommand _lvm;
    private readonly string _vg;
    private readonly long _extentSize;
    private readonly Action? _fence;
    private readonly ConcurrentDictionary<string, DirectBlockDevice> _pvs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile LvByteMap _map;
    private IReadOnlyList<PhysicalVolume> _knownPvs;
    private long _highestWrite;
    private long _highestRefused;
    private long _threshold = Disarmed;
    private volatile bool _disposed;

    private LvExport(LvmCommand lvm, string vg, long extentSize, LvByteMap map, IReadOnlyList<PhysicalVolume> pvs, VolumeIdentity identity, long exportSize, bool readOnly, Action? fence)
    {
        _knownPvs = pvs;
        _lvm = lvm;
        _vg = vg;
        _extentSize = extentSize;
        _map = map;
        Domain = identity.Domain;
        Image = identity.Image;
        Volume = identity.Volume;
        MaximumSize = Math.Max(exportSize, map.Size);
        Size = MaximumSize;
        ReadOnly = readOnly;
        _fence = fence;
        Name = NameOf(identity.Domain, identity.Volume);
    }

    /// <summary>The export name of a volume: "&lt;domain&gt;/&lt;volume&gt;", unique in one server.</summary>
    public static string NameOf(Guid domain, Guid volume) => $"{domain}/{volume}";

    public string Name { get; }

    public long Size { get; }

    public bool ReadOnly { get; }

    public int MinimumBlockSize => _pvs.Values.Select(d => d.SectorSize).DefaultIfEmpty(512).Max();

    public Guid Domain { get; }

    public Guid Image { get; }

    public Guid Volume { get; }

    public long CurrentSize => _map.Size;

    public long MaximumSize { get; }

    public long HighestWrite => Interlocked.Read(ref _highestWrite);

    /// <summary>The end of the highest write refused for lack of space (0 if none): where a paused VM needs room up to.</summary>
    public long HighestRefused => Interlocked.Read(ref _highestRefused);

    public event Action<IThinVolume, long>? ThresholdCrossed;

    public event Action<IThinVolume, long>? OutOfSpace;

    /// <summary>
    /// Maps <paramref name="identity"/>'s LV in VG <paramref name="vg"/> and opens its PVs.
    /// </summary>
    /// <param name="exportSize">The size clients see: the volume's maximum for a thin volume, the LV size (or less) otherwise; never below the LV size.</param>
    /// <param name="fence">Asked before every write; throws once writing is no longer allowed (the client gets EIO).</param>
    public static async Task<LvExport> OpenAsync(LvmCommand lvm, string vg, VolumeIdentity identity, long exportSize, bool readOnly, Action? fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ArgumentNullException.ThrowIfNull(identity);
        var groupRun = lvm.VgsAsync(vg, cancellationToken);
        var pvsRun = lvm.PvsAsync(cancellationToken);
        var lvRun = lvm.LvsAsync(vg, identity.Volume.ToString(), cancellationToken);
        await Task.WhenAll(groupRun, pvsRun, lvRun).ConfigureAwait(false);
        var lv = (await lvRun.ConfigureAwait(false)).SingleOrDefault()
                 ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {vg}/{identity.Volume}");
        long extentSize = (await groupRun.ConfigureAwait(false)).Single().ExtentSize;
        var pvs = (await pvsRun.ConfigureAwait(false)).Where(p => p.VgName == vg).ToList();
        var map = LvByteMap.Create(lv, extentSize, pvs);
        var export = new LvExport(lvm, vg, extentSize, map, pvs, identity, exportSize, readOnly, fence);
        try
        {
            export.OpenPvs(map);
        }
        catch
        {
            await export.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return export;
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var map = _map;
        long inLv = Math.Clamp(map.Size - offset, 0, buffer.Length);
        if (inLv > 0)
        {
            foreach (var piece in map.Slice(offset, inLv))
            {
                var slice = buffer.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
                await Io(() => _pvs[piece.PvName].ReadAsync(piece.PvOffset, slice, cancellationToken), "read", offset).ConfigureAwait(false);
            }
        }

        buffer.Span[(int)inLv..].Clear();
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var map = Writable(offset, data.Length);
        var touched = fua ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var piece in map.Slice(offset, data.Length))
        {
            var slice = data.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await Io(() => _pvs[piece.PvName].WriteAsync(piece.PvOffset, slice, cancellationToken), "write", offset).ConfigureAwait(false);
            touched?.Add(piece.PvName);
        }

        if (touched is not null)
        {
            foreach (var pv in touched)
            {
                await Io(() => _pvs[pv].FlushAsync(cancellationToken), "flush", offset).ConfigureAwait(false);
            }
        }

        Written(offset + data.Length);
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var pv in _pvs.Values)
        {
            await Io(() => pv.FlushAsync(cancellationToken), "flush", 0).ConfigureAwait(false);
        }
    }

    /// <summary>An LV's extents stay allocated whatever is trimmed; trim is advice, and taking none is allowed.</summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public async ValueTask WriteZeroesAsync(long offset, long length, bool mayTrim, CancellationToken cancellationToken)
    {
        Writable(offset, length);
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(Zeroes.Length, length - done);
            await WriteAsync(offset + done, Zeroes[..n], fua: false, cancellationToken).ConfigureAwait(false);
            done += n;
        }
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
            var lv = (await _lvm.LvsAsync(_vg, Volume.ToString(), cancellationToken).ConfigureAwait(false)).SingleOrDefault()
                     ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {_vg}/{Volume} (removed while prepared?)");
            // A PV's pe_start and size never change while it is in the VG: the pvs report is read
            // again only when a segment lies on a PV not seen yet (the domain got a LUN).
            if (lv.Segments.Any(seg => !_knownPvs.Any(p => p.Name == seg.PvName)))
            {
                _knownPvs = [.. (await _lvm.PvsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.VgName == _vg)];
            }

            var map = LvByteMap.Create(lv, _extentSize, _knownPvs);
            if (map.Size < _map.Size)
            {
                throw new SanpoolException(LvmErrors.BadReport, $"LV {_vg}/{Volume} shrank from {_map.Size} to {map.Size} bytes while served; keeping the old map");
            }

            OpenPvs(map);
            _map = map;
            return map.Size;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var pv in _pvs.Values)
        {
            await pv.DisposeAsync().ConfigureAwait(false);
        }

        _pvs.Clear();
    }

    public override string ToString() => $"export {Name} (LV {_vg}/{Volume}, {CurrentSize} of {MaximumSize} bytes)";

    /// <summary>The map to write [offset, offset + length) through; ENOSPC if it ends past the LV, EIO if fenced.</summary>
    private LvByteMap Writable(long offset, long length)
    {
        var map = _map;
        long end = offset + length;
        if (end > map.Size)
        {
            RaiseTo(ref _highestRefused, end);
            OutOfSpace?.Invoke(this, end);
            throw new NbdExportException(NbdErrno.ENOSPC, $"write of {length} bytes at {offset} ends past LV {_vg}/{Volume} ({map.Size} bytes); waiting for an extension");
        }

        try
        {
            _fence?.Invoke();
        }
        catch (SanpoolException e)
        {
            throw new NbdExportException(NbdErrno.EIO, $"write to {Name} refused: {e.Message}", e);
        }

        return map;
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

    private void OpenPvs(LvByteMap map)
    {
        foreach (var pv in map.Ranges.Select(r => r.PvName).Distinct(StringComparer.Ordinal))
        {
            if (!_pvs.ContainsKey(pv))
            {
                _pvs[pv] = DirectBlockDevice.Open(pv, ReadOnly, sync: false);
            }
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
