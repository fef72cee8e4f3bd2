using System.Collections.Concurrent;
using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// An LV read and written as a block device without device-mapper: every I/O is cut by the
/// LV's <see cref="LvByteMap"/> into pieces that each lie on one PV, and each piece goes to
/// that PV's own device, opened with O_DIRECT (DESIGN section 4). An I/O that straddles a
/// segment boundary becomes two or more PV I/Os, issued in LV order:
/// <code>
///  LV bytes   [ seg 0: pe 0 of PV a ][ seg 1: pe 7 of PV b ]
///  I/O              |=====================|
///  PV I/Os          |= a, tail of pe 0 =| |= b, head of pe 7 =|
/// </code>
/// Only each single piece is as atomic as the PV makes it; a straddling write is two writes,
/// which is what the device-mapper linear target does as well (it splits bios at targets).
/// <para>
/// After the SPM extends the LV, <see cref="RefreshAsync"/> reads its segments again and swaps
/// the map in one step. Extension only appends segments (LVM never moves an LV's extents while
/// extending it), so an I/O in flight on the old map still lands on the right bytes; until the
/// refresh, I/O past the old end is refused as OUT_OF_RANGE, as a too-small device would. PVs
/// are opened once each and kept, so a PV a new segment lies on (the domain got a LUN) is
/// opened by the refresh that first sees it. The sector size is fixed at open: clients of an
/// export agreed on it at the handshake. The PV devices belong to this object and are closed
/// with it.
/// </para>
/// </summary>
public sealed class LvBlockDevice : ILvDevice
{
    private readonly LvmCommand _lvm;
    private readonly string _vg;
    private readonly string _lv;
    private readonly long _extentSize;
    private readonly bool _readOnly;
    private readonly bool _sync;
    private readonly ConcurrentDictionary<string, DirectBlockDevice> _pvs = new(StringComparer.Ordinal);
    private volatile LvByteMap _map;
    private IReadOnlyList<PhysicalVolume> _knownPvs;

    private LvBlockDevice(LvmCommand lvm, string vg, LvByteMap map, long extentSize, IReadOnlyList<PhysicalVolume> pvs, bool readOnly, bool sync)
    {
        _lvm = lvm;
        _vg = vg;
        _lv = map.LvName;
        _extentSize = extentSize;
        _map = map;
        _knownPvs = pvs;
        _readOnly = readOnly;
        _sync = sync;
        Path = $"{vg}/{map.LvName}";
    }

    /// <summary>"vg/lv", for logs and errors.</summary>
    public string Path { get; }

    /// <summary>The segment map in force: the one read at open or by the last refresh.</summary>
    public LvByteMap Map => _map;

    /// <summary>
    /// The largest sector size of the PVs at open. Every piece starts at pe_start + n x extent
    /// size on its PV, so with it as the unit an aligned LV I/O is aligned on every PV it touches.
    /// </summary>
    public int SectorSize { get; private set; } = 512;

    public long Size => _map.Size;

    /// <summary>
    /// Opens <paramref name="vg"/>/<paramref name="lv"/> from one lvs, vgs and pvs report each,
    /// with direct I/O on every PV it uses (and only those).
    /// </summary>
    /// <param name="sync">O_SYNC on the PVs too (see <see cref="DirectBlockDevice.Open"/>); false where writes are made durable by <c>fua</c> or <see cref="FlushAsync"/>.</param>
    /// <exception cref="SanpoolException">VG_NOT_FOUND, LV_NOT_FOUND, LVM_BAD_REPORT, OPEN_FAILED.</exception>
    public static async Task<LvBlockDevice> OpenAsync(LvmCommand lvm, string vg, string lv, bool readOnly, CancellationToken cancellationToken, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        var groupRun = lvm.VgsAsync(vg, cancellationToken);
        var pvsRun = lvm.PvsAsync(cancellationToken);
        var lvRun = lvm.LvsAsync(vg, lv, cancellationToken);
        await Task.WhenAll(groupRun, pvsRun, lvRun).ConfigureAwait(false);
        var found = (await lvRun.ConfigureAwait(false)).SingleOrDefault(l => l.Name == lv)
                    ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {lv} in VG {vg}");
        long extentSize = (await groupRun.ConfigureAwait(false)).Single().ExtentSize;
        var pvs = (await pvsRun.ConfigureAwait(false)).Where(p => p.VgName == vg).ToList();
        return Open(lvm, vg, found, extentSize, pvs, readOnly, sync);
    }

    /// <summary>
    /// Opens <paramref name="lv"/> of <paramref name="vg"/> from reports already read (the
    /// extent size and the VG's PVs), with direct I/O on every PV it uses; <paramref name="lvm"/>
    /// reads them again for <see cref="RefreshAsync"/>.
    /// </summary>
    /// <param name="sync">O_SYNC on the PVs too; false only for the storage mailbox and data-path exports.</param>
    /// <exception cref="SanpoolException">LVM_BAD_REPORT (a segment on a PV not given), OPEN_FAILED.</exception>
    public static LvBlockDevice Open(LvmCommand lvm, string vg, LogicalVolume lv, long extentSize, IReadOnlyList<PhysicalVolume> pvs, bool readOnly, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        ArgumentNullException.ThrowIfNull(lv);
        var device = new LvBlockDevice(lvm, vg, LvByteMap.Create(lv, extentSize, pvs), extentSize, pvs, readOnly, sync);
        try
        {
            device.OpenPvs(device._map);
        }
        catch
        {
            device.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        device.SectorSize = device._pvs.Values.Select(d => d.SectorSize).DefaultIfEmpty(512).Max();
        return device;
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var map = Check(offset, buffer.Length);
        foreach (var piece in map.Slice(offset, buffer.Length))
        {
            var slice = buffer.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await _pvs[piece.PvName].ReadAsync(piece.PvOffset, slice, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        WriteAsync(offset, data, fua: false, cancellationToken);

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var map = Check(offset, data.Length);
        var touched = fua ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var piece in map.Slice(offset, data.Length))
        {
            var slice = data.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await _pvs[piece.PvName].WriteAsync(piece.PvOffset, slice, cancellationToken).ConfigureAwait(false);
            touched?.Add(piece.PvName);
        }

        foreach (var pv in touched ?? [])
        {
            await _pvs[pv].FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes LV bytes [<paramref name="offset"/>, + <paramref name="length"/>) read as zeros, on
    /// each PV the range lies on (<see cref="DirectBlockDevice.ZeroRangeAsync"/>: BLKZEROOUT, or
    /// zeros written). Durable once <see cref="FlushAsync"/> returns.
    /// </summary>
    /// <exception cref="SanpoolException">OUT_OF_RANGE, UNALIGNED, IO_ERROR.</exception>
    public async ValueTask ZeroAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var map = Check(offset, length);
        foreach (var piece in map.Slice(offset, length))
        {
            await _pvs[piece.PvName].ZeroRangeAsync(piece.PvOffset, piece.Length, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Discards LV bytes [<paramref name="offset"/>, + <paramref name="length"/>) on each PV the
    /// range lies on; false if a PV does not support it (that piece keeps its data).
    /// </summary>
    /// <exception cref="SanpoolException">OUT_OF_RANGE, UNALIGNED, IO_ERROR.</exception>
    public async ValueTask<bool> DiscardAsync(long offset, long length, CancellationToken cancellationToken)
    {
        var map = Check(offset, length);
        bool all = true;
        foreach (var piece in map.Slice(offset, length))
        {
            all &= await _pvs[piece.PvName].DiscardRangeAsync(piece.PvOffset, piece.Length, cancellationToken).ConfigureAwait(false);
        }

        return all;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var pv in _pvs.Values)
        {
            await pv.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the LV's segments again and maps them (one lvs; a pvs only when a segment lies on
    /// a PV not seen yet); returns the new size. Callers serialise refreshes; I/O may go on.
    /// </summary>
    /// <exception cref="SanpoolException">
    /// LV_NOT_FOUND; LVM_BAD_REPORT if the LV shrank or grew onto a PV with larger sectors than
    /// <see cref="SectorSize"/> (the old map is kept).
    /// </exception>
    public async Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        var lv = (await _lvm.LvsAsync(_vg, _lv, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
                 ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {Path} (removed while open?)");
        // A PV's pe_start and size never change while it is in the VG: the pvs report is read
        // again only when a segment lies on a PV not seen yet (the domain got a LUN).
        if (lv.Segments.Any(seg => !_knownPvs.Any(p => p.Name == seg.PvName)))
        {
            _knownPvs = [.. (await _lvm.PvsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.VgName == _vg)];
        }

        var map = LvByteMap.Create(lv, _extentSize, _knownPvs);
        if (map.Size < _map.Size)
        {
            throw new SanpoolException(LvmErrors.BadReport, $"LV {Path} shrank from {_map.Size} to {map.Size} bytes while open; keeping the old map");
        }

        OpenPvs(map);
        if (map.Ranges.Select(r => _pvs[r.PvName].SectorSize).Any(size => size > SectorSize))
        {
            throw new SanpoolException(LvmErrors.BadReport, $"LV {Path} grew onto a PV with sectors larger than its {SectorSize} bytes; keeping the old map");
        }

        _map = map;
        return map.Size;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pv in _pvs.Values)
        {
            await pv.DisposeAsync().ConfigureAwait(false);
        }

        _pvs.Clear();
    }

    public override string ToString() => $"LV {Path} ({Size} bytes over {_pvs.Count} PV(s))";

    private void OpenPvs(LvByteMap map)
    {
        foreach (var pv in map.Ranges.Select(r => r.PvName).Distinct(StringComparer.Ordinal))
        {
            if (!_pvs.ContainsKey(pv))
            {
                _pvs[pv] = DirectBlockDevice.Open(pv, _readOnly, _sync);
            }
        }
    }

    /// <summary>The same checks, with the same codes, as every other <see cref="IBlockDevice"/>; returns the map to cut the I/O with.</summary>
    private LvByteMap Check(long offset, long length)
    {
        var map = _map;
        if (offset < 0 || length < 0 || offset > map.Size - length)
        {
            throw new SanpoolException(BlockIoErrors.OutOfRange, $"I/O of {length} bytes at {offset} is outside LV {Path} (size {map.Size})");
        }

        if (offset % SectorSize != 0 || length % SectorSize != 0)
        {
            throw new SanpoolException(BlockIoErrors.Unaligned, $"I/O of {length} bytes at {offset} on LV {Path} is not aligned to its {SectorSize}-byte sectors");
        }

        return map;
    }
}
