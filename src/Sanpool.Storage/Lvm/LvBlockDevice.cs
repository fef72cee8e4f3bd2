using System.Collections.Immutable;
using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// An LV read and written as a block device without device-mapper: every I/O is cut by the
/// LV's <see cref="LvByteMap"/> into pieces that each lie on one PV, and each piece goes to
/// that PV's own device (DESIGN section 4). An I/O that straddles a segment boundary becomes
/// two or more PV I/Os, issued in LV order:
/// <code>
///  LV bytes   [ seg 0: pe 0 of PV a ][ seg 1: pe 7 of PV b ]
///  I/O              |=====================|
///  PV I/Os          |= a, tail of pe 0 =| |= b, head of pe 7 =|
/// </code>
/// Only each single piece is as atomic as the PV makes it; a straddling write is two writes,
/// which is what the device-mapper linear target does as well (it splits bios at targets).
/// <para>
/// The map is the one in force when the device was opened. After the LV is extended, open a
/// new device: I/O past the old end is refused as OUT_OF_RANGE, as a too-small device would.
/// The PV devices belong to this object and are closed with it.
/// </para>
/// </summary>
public sealed class LvBlockDevice : IBlockDevice
{
    private readonly ImmutableDictionary<string, IBlockDevice> _pvs;

    /// <summary>An LV over PV devices already open; takes ownership of <paramref name="pvDevices"/>.</summary>
    /// <param name="path">A name for logs and errors, e.g. "vg/lv".</param>
    /// <param name="pvDevices">One device per PV the map names, each with <see cref="IBlockDevice.Path"/> equal to the PV's name.</param>
    public LvBlockDevice(string path, LvByteMap map, IEnumerable<IBlockDevice> pvDevices)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(pvDevices);
        Path = path;
        Map = map;
        _pvs = pvDevices.ToImmutableDictionary(d => d.Path, StringComparer.Ordinal);
        var missing = map.Ranges.Select(r => r.PvName).Where(n => !_pvs.ContainsKey(n)).Distinct().ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"LV {path} has extents on {string.Join(", ", missing)}, which no device given is", nameof(pvDevices));
        }

        // Every piece starts at pe_start + n * extent size on its PV; with the largest sector
        // size of the PVs as the unit, an aligned LV I/O is aligned on every PV it touches.
        SectorSize = _pvs.Values.Select(d => d.SectorSize).DefaultIfEmpty(512).Max();
    }

    public string Path { get; }

    /// <summary>The segment map this device uses.</summary>
    public LvByteMap Map { get; }

    public int SectorSize { get; }

    public long Size => Map.Size;

    /// <summary>
    /// Opens <paramref name="vg"/>/<paramref name="lv"/> from one lvs, vgs and pvs report each,
    /// with direct I/O on every PV it uses (and only those).
    /// </summary>
    /// <exception cref="SanpoolException">VG_NOT_FOUND, LV_NOT_FOUND, LVM_BAD_REPORT, OPEN_FAILED.</exception>
    public static async Task<LvBlockDevice> OpenAsync(LvmCommand lvm, string vg, string lv, bool readOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lvm);
        var lvs = await lvm.LvsAsync(vg, lv, cancellationToken).ConfigureAwait(false);
        var group = (await lvm.VgsAsync(vg, cancellationToken).ConfigureAwait(false)).Single();
        var pvs = await lvm.PvsAsync(cancellationToken).ConfigureAwait(false);
        var found = lvs.SingleOrDefault(l => l.Name == lv)
                    ?? throw new SanpoolException(LvmErrors.LvNotFound, $"no LV {lv} in VG {vg}");
        return Open(LvByteMap.Create(found, group.ExtentSize, pvs.Where(p => p.VgName == vg)), vg, readOnly);
    }

    /// <summary>Opens the PVs <paramref name="map"/> names, with direct I/O, and an LV device over them.</summary>
    /// <param name="sync">O_SYNC on the PVs too (see <see cref="DirectBlockDevice.Open"/>); false only for the storage mailbox.</param>
    public static LvBlockDevice Open(LvByteMap map, string vg, bool readOnly, bool sync = true)
    {
        ArgumentNullException.ThrowIfNull(map);
        var opened = new List<IBlockDevice>();
        try
        {
            foreach (var pv in map.Ranges.Select(r => r.PvName).Distinct(StringComparer.Ordinal))
            {
                opened.Add(DirectBlockDevice.Open(pv, readOnly, sync));
            }

            return new LvBlockDevice($"{vg}/{map.LvName}", map, opened);
        }
        catch
        {
            foreach (var device in opened)
            {
                device.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }
    }

    public async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Check(offset, buffer.Length);
        foreach (var piece in Map.Slice(offset, buffer.Length))
        {
            var slice = buffer.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await _pvs[piece.PvName].ReadAsync(piece.PvOffset, slice, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Check(offset, data.Length);
        foreach (var piece in Map.Slice(offset, data.Length))
        {
            var slice = data.Slice(checked((int)(piece.LvOffset - offset)), checked((int)piece.Length));
            await _pvs[piece.PvName].WriteAsync(piece.PvOffset, slice, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _pvs.Values)
        {
            await device.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The same checks, with the same codes, as every other <see cref="IBlockDevice"/>.</summary>
    private void Check(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Size - length)
        {
            throw new SanpoolException(BlockIoErrors.OutOfRange, $"I/O of {length} bytes at {offset} is outside LV {Path} (size {Size})");
        }

        if (offset % SectorSize != 0 || length % SectorSize != 0)
        {
            throw new SanpoolException(BlockIoErrors.Unaligned, $"I/O of {length} bytes at {offset} on LV {Path} is not aligned to its {SectorSize}-byte sectors");
        }
    }

    public override string ToString() => $"LV {Path} ({Size} bytes over {_pvs.Count} PV(s))";
}
