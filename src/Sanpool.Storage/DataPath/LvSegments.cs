using System.Collections.Concurrent;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.DataPath;

/// <summary>
/// An LV reached without device-mapper: every request is cut by the LV's segment map
/// (<see cref="LvByteMap"/>, from <c>lvs</c>) into pieces on the PVs, and each piece goes to
/// that PV with O_DIRECT. A refresh reads the LV's segments again and swaps the map in one
/// step. Extension only appends segments (LVM never moves an LV's extents while extending it),
/// so a request in flight on the old map still lands on the right bytes. PVs are opened once
/// each and kept, so a new PV (the domain was extended) is opened when a segment first names it.
/// </summary>
internal sealed class LvSegments : ILvBacking
{
    private readonly LvmCommand _lvm;
    private readonly string _vg;
    private readonly string _lv;
    private readonly long _extentSize;
    private readonly bool _readOnly;
    private readonly ConcurrentDictionary<string, DirectBlockDevice> _pvs = new(StringComparer.Ordinal);
    private volatile LvByteMap _map;
    private IReadOnlyList<PhysicalVolume> _knownPvs;
    private int _sectorSize = 512;

    private LvSegments(LvmCommand lvm, string vg, string lv, long extentSize, LvByteMap map, IReadOnlyList<PhysicalVolume> pvs, bool readOnly)
    {
        _lvm = lvm;
        _vg = vg;
        _lv = lv;
        _extentSize = extentSize;
        _map = map;
        _knownPvs = pvs;
        _readOnly = readOnly;
    }

    public long Size => _map.Size;

    /// <summary>Fixed at open: clients agreed on it at the handshake (a PV added later may not have larger sectors).</summary>
    public int SectorSize => _sectorSize;

    public static async Task<LvSegments> OpenAsync(LvmCommand lvm, string vg, string lv, bool readOnly, CancellationToken cancellationToken)
    {
        var groupRun = lvm.VgsAsync(vg, cancellationToken);
        var pvsRun = lvm.PvsAsync(cancellationToken);
        var lvRun = lvm.LvsAsync(vg, lv, cancellationToken);
        await Task.WhenAll(groupRun, pvsRun, lvRun).ConfigureAwait(false);
        var found = (await lvRun.ConfigureAwait(false)).SingleOrDefault()
                    ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {vg}/{lv}");
        long extentSize = (await groupRun.ConfigureAwait(false)).Single().ExtentSize;
        var pvs = (await pvsRun.ConfigureAwait(false)).Where(p => p.VgName == vg).ToList();
        var segments = new LvSegments(lvm, vg, lv, extentSize, LvByteMap.Create(found, extentSize, pvs), pvs, readOnly);
        try
        {
            segments.OpenPvs(segments._map);
            segments._sectorSize = segments._pvs.Values.Select(d => d.SectorSize).DefaultIfEmpty(512).Max();
        }
        catch
        {
            await segments.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return segments;
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        foreach (var piece in _map.Slice(offset, buffer.Length))
        {
            var slice = buffer.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await _pvs[piece.PvName].ReadAsync(piece.PvOffset, slice, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken)
    {
        var touched = fua ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var piece in _map.Slice(offset, data.Length))
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

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var pv in _pvs.Values)
        {
            await pv.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<long> RefreshAsync(CancellationToken cancellationToken)
    {
        var lv = (await _lvm.LvsAsync(_vg, _lv, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
                 ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {_vg}/{_lv} (removed while prepared?)");
        // A PV's pe_start and size never change while it is in the VG: the pvs report is read
        // again only when a segment lies on a PV not seen yet (the domain got a LUN).
        if (lv.Segments.Any(seg => !_knownPvs.Any(p => p.Name == seg.PvName)))
        {
            _knownPvs = [.. (await _lvm.PvsAsync(cancellationToken).ConfigureAwait(false)).Where(p => p.VgName == _vg)];
        }

        var map = LvByteMap.Create(lv, _extentSize, _knownPvs);
        if (map.Size < _map.Size)
        {
            throw new SanpoolException(LvmErrors.BadReport, $"LV {_vg}/{_lv} shrank from {_map.Size} to {map.Size} bytes while served; keeping the old map");
        }

        OpenPvs(map);
        if (map.Ranges.Select(r => _pvs[r.PvName].SectorSize).Any(size => size > _sectorSize))
        {
            throw new SanpoolException(LvmErrors.BadReport, $"LV {_vg}/{_lv} grew onto a PV with sectors larger than the {_sectorSize} bytes its clients were told; keeping the old map");
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

    public override string ToString() => $"LV {_vg}/{_lv} on its PVs";

    private void OpenPvs(LvByteMap map)
    {
        foreach (var pv in map.Ranges.Select(r => r.PvName).Distinct(StringComparer.Ordinal))
        {
            if (!_pvs.ContainsKey(pv))
            {
                _pvs[pv] = DirectBlockDevice.Open(pv, _readOnly, sync: false);
            }
        }
    }
}
