using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// Prints lease areas in the columns of <c>sanlock direct dump</c>, so the two outputs can be
/// compared line by line:
/// <code>
///   offset                            lockspace                                         resource  timestamp  own  gen lver
/// 00000512                                   LS                                            hostA 0000004711 0002 0001
/// 01048576                                   LS                                              RES 0000004713 0002 0001 3
/// </code>
/// Delta lines are printed only for records ever acquired (owner or generation set); a paxos
/// line for every resource, followed by one line per shared holder. The walk goes area by
/// area from the start offset and, without a size, stops at the first area with no lease.
/// With <c>force</c> 1 the request record (lver/force_mode) and request bitmaps are shown;
/// with 2 also every written dblock.
/// </summary>
public static class LeaseDump
{
    public static async Task RunAsync(IBlockDevice device, long start, long size, int force, LeaseGeometry? geometry, TextWriter output, TimeSpan ioTimeout, CancellationToken cancellationToken)
    {
        geometry ??= await FindGeometryAsync(device, start, size, ioTimeout, cancellationToken).ConfigureAwait(false);
        if (geometry is null)
        {
            await output.WriteLineAsync("Cannot find sector_size and align_size, set with -A and -Z.").ConfigureAwait(false);
            return;
        }

        await output.WriteLineAsync(Header(force)).ConfigureAwait(false);
        long end = size > 0 ? Math.Min(device.Size, start + size) : device.Size;
        for (long offset = start; offset + geometry.Alignment <= end; offset += geometry.Alignment)
        {
            var area = await device.ReadAsync(offset, geometry.Alignment, ioTimeout, cancellationToken).ConfigureAwait(false);
            uint magic = LeaderRecord.Decode(area).Magic;
            if (magic == LeaderRecord.DeltaMagic)
            {
                WriteDelta(area, offset, geometry, force, output);
            }
            else if (magic == LeaderRecord.PaxosMagic)
            {
                WritePaxos(area, offset, geometry, force, output);
            }
            else if (size == 0)
            {
                break;
            }
        }
    }

    public static string Header(int force) =>
        string.Format(CultureInfo.InvariantCulture, "{0,8} {1,36} {2,48} {3,10} {4,4} {5,4} {6}",
            "offset", "lockspace", "resource", "timestamp", "own", "gen", "lver") + (force > 0 ? "/req/mode" : "");

    private static void WriteDelta(byte[] area, long offset, LeaseGeometry g, int force, TextWriter output)
    {
        for (int i = 0; i < g.Alignment / g.SectorSize; i++)
        {
            var sector = area.AsSpan(i * g.SectorSize, g.SectorSize);
            var lr = LeaderRecord.Decode(sector);
            if (lr.Magic == 0 || (lr.OwnerId == 0 && lr.OwnerGeneration == 0))
            {
                continue;
            }

            var line = Line(offset + ((long)i * g.SectorSize), lr);
            if (force > 0)
            {
                line += RequestBits(sector[256..], g.MaxHosts);
            }

            output.WriteLine(line);
        }
    }

    private static void WritePaxos(byte[] area, long offset, LeaseGeometry g, int force, TextWriter output)
    {
        var lr = LeaderRecord.Decode(area);
        var line = Line(offset, lr) + string.Create(CultureInfo.InvariantCulture, $" {lr.Lver}");
        if (force > 0)
        {
            var rr = RequestRecord.Decode(area.AsSpan(g.SectorSize));
            line += string.Create(CultureInfo.InvariantCulture, $"/{rr.Lver}/{rr.ForceMode}");
        }

        output.WriteLine(line);
        int hosts = (int)Math.Min(lr.NumHosts, (ulong)((g.Alignment / g.SectorSize) - 2));
        for (int i = 0; i < hosts; i++)
        {
            var sector = area.AsSpan((2 + i) * g.SectorSize, g.SectorSize);
            if (force > 1)
            {
                var db = PaxosDblock.Decode(sector);
                if (db.Mbal != 0 || db.Inp != 0 || db.Lver != 0)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"dblock[{i:D4}] mbal {db.Mbal} bal {db.Bal} inp {db.Inp} inp2 {db.Inp2} inp3 {db.Inp3} lver {db.Lver} sum {db.Checksum:x}"));
                }
            }

            var mb = ModeBlock.Decode(sector[ModeBlock.SectorOffset..]);
            if (mb.IsShared)
            {
                output.WriteLine(new string(' ', 106) + string.Create(CultureInfo.InvariantCulture, $"{i + 1:D4} {mb.Generation:D4} SH"));
            }
        }
    }

    private static string Line(long offset, LeaderRecord lr) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{offset:D8} {lr.SpaceName,36} {lr.ResourceName,48} {lr.Timestamp:D10} {lr.OwnerId:D4} {lr.OwnerGeneration:D4}");

    private static string RequestBits(ReadOnlySpan<byte> bitmap, int maxHosts)
    {
        var sb = new System.Text.StringBuilder();
        for (int h = 1; h <= maxHosts && (h - 1) / 8 < bitmap.Length; h++)
        {
            if ((bitmap[(h - 1) / 8] & (1 << ((h - 1) % 8))) != 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {h}");
            }
        }

        return sb.ToString();
    }

    /// <summary>As sanlock: look for a leader every 1 MiB, up to 1 GiB or the dump size.</summary>
    private static async Task<LeaseGeometry?> FindGeometryAsync(IBlockDevice device, long start, long size, TimeSpan ioTimeout, CancellationToken cancellationToken)
    {
        for (int i = 0; i < 1024; i++)
        {
            long at = start + ((long)i * LeaseGeometry.MiB);
            if ((size > 0 && at >= start + size) || at + device.SectorSize > device.Size)
            {
                break;
            }

            try
            {
                return await LeaseDevices.DetectGeometryAsync(device, at, ioTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Core.SanpoolException)
            {
            }
        }

        return null;
    }
}
