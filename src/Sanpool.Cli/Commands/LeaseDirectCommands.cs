using System.CommandLine;
using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Cli.Commands;

/// <summary><c>lease init</c>, <c>lease dump</c>, <c>lease read-leader</c>: straight to the storage, no daemon.</summary>
internal static class LeaseDirectCommands
{
    public static Command Init()
    {
        var ls = LeaseOptions.Lockspace("Format a lockspace (host-id leases) at PATH:OFFSET; the host id must be 0.");
        var res = LeaseOptions.Resource("Format a resource (paxos lease) at PATH:OFFSET.");
        var sector = LeaseOptions.SectorSize();
        var align = LeaseOptions.Alignment();
        var io = LeaseOptions.IoTimeout();
        var numHosts = new Option<int?>("--num-hosts", "-n") { Description = "Resource only: hosts that may use it (default: all the alignment holds)." };
        var cmd = new Command("init", "Initialise a lockspace (-s) or a resource (-r). Everything is checked before anything is written.")
        {
            ls, res, sector, align, io, numHosts,
        };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var (spec, isLockspace) = OneOf(p.GetValue(ls), p.GetValue(res));
            await using var device = DirectBlockDevice.Open(spec.Path);
            int ss = p.GetValue(sector) ?? device.SectorSize;
            var alignText = p.GetValue(align);
            var g = LeaseGeometry.Create(ss, alignText is null ? (ss == 512 ? LeaseGeometry.MiB : 8 * LeaseGeometry.MiB) : LeaseGeometry.ParseAlignment(alignText));
            int ioTimeout = CheckIoTimeout(p.GetValue(io));
            var disk = new LeaseDisk(device, spec.Offset, g, TimeSpan.FromSeconds(ioTimeout));
            if (isLockspace)
            {
                if (spec.HostId != 0)
                {
                    throw CommonErrors.Invalid($"-s {spec}: init takes host id 0 (the whole lockspace), not {spec.HostId}");
                }

                await DeltaLease.InitAsync(disk, spec.Lockspace, ioTimeout, ct);
                Console.WriteLine($"initialised lockspace {spec.Lockspace} at {disk.Where()} ({g}, {g.MaxHosts} host ids, io_timeout {ioTimeout})");
            }
            else
            {
                await PaxosLease.InitAsync(disk, spec.Lockspace, spec.Resource, p.GetValue(numHosts), ct);
                Console.WriteLine($"initialised resource {spec.Lockspace}:{spec.Resource} at {disk.Where()} ({g})");
            }

            return 0;
        });
        return cmd;
    }

    public static Command Dump()
    {
        var target = new Argument<string>("PATH[:OFFSET[:SIZE]]") { Description = "Device or file; OFFSET and SIZE in bytes or with an M suffix." };
        var force = new Option<int>("--force", "-f") { Description = "1: also request records and bitmaps; 2: also every written dblock." };
        var sector = LeaseOptions.SectorSize();
        var align = LeaseOptions.Alignment();
        var cmd = new Command("dump", "Print the leases on a device in the columns of 'sanlock direct dump'.") { target, force, sector, align };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var (path, start, size) = ParseDumpTarget(p.GetRequiredValue(target));
            await using var device = DirectBlockDevice.Open(path, readOnly: true);
            LeaseGeometry? g = null;
            if (p.GetValue(sector) is int ss)
            {
                g = LeaseGeometry.Create(ss, p.GetValue(align) is string a ? LeaseGeometry.ParseAlignment(a) : (ss == 512 ? LeaseGeometry.MiB : 8 * LeaseGeometry.MiB));
            }

            if (start % LeaseGeometry.MiB != 0)
            {
                Console.WriteLine("WARNING: dump offset should be a multiple of 1048576 bytes.");
            }

            await LeaseDump.RunAsync(device, start, size, p.GetValue(force), g, Console.Out, TimeSpan.FromSeconds(LeaseTimeouts.DefaultIoTimeout), ct);
            return 0;
        });
        return cmd;
    }

    public static Command ReadLeader()
    {
        var ls = LeaseOptions.Lockspace("Read host ID's record of the lockspace at PATH:OFFSET.");
        var res = LeaseOptions.Resource("Read the leader of the resource at PATH:OFFSET.");
        var cmd = new Command("read-leader", "Print a leader record field by field, as 'sanlock direct read_leader', after verifying it.") { ls, res };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var (spec, isLockspace) = OneOf(p.GetValue(ls), p.GetValue(res));
            await using var device = DirectBlockDevice.Open(spec.Path, readOnly: true);
            var io = TimeSpan.FromSeconds(LeaseTimeouts.DefaultIoTimeout);
            var disk = await LeaseDevices.OpenAreaAsync(device, spec.Offset, io, ct);
            var leader = isLockspace
                ? await DeltaLease.ReadAsync(disk, spec.Lockspace, Math.Max(1, spec.HostId), ct)
                : await PaxosLease.ReadLeaderAsync(disk, spec.Lockspace, spec.Resource, 0, ct);
            Console.Write(LeaderText.Format(leader));
            return 0;
        });
        return cmd;
    }

    /// <summary>Exactly one of -s and -r.</summary>
    public static (LeaseSpec Spec, bool IsLockspace) OneOf(string? lockspace, string? resource) => (lockspace, resource) switch
    {
        (not null, null) => (LeaseSpec.ParseLockspace(lockspace), true),
        (null, not null) => (LeaseSpec.ParseResource(resource), false),
        _ => throw CommonErrors.Invalid("give exactly one of -s LS:ID:PATH:OFFSET and -r LS:RES:PATH:OFFSET"),
    };

    public static int CheckIoTimeout(int seconds) => seconds is >= 1 and <= 255
        ? seconds
        : throw CommonErrors.Invalid($"io_timeout {seconds} is outside 1..255 seconds");

    /// <summary>PATH[:OFFSET[:SIZE]] with "\:" for a colon in the path, as sanlock parses it.</summary>
    public static (string Path, long Offset, long Size) ParseDumpTarget(string text)
    {
        var parts = new List<string> { "" };
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                parts[^1] += text[++i];
            }
            else if (text[i] == ':' && parts.Count < 3)
            {
                parts.Add("");
            }
            else
            {
                parts[^1] += text[i];
            }
        }

        long offset = parts.Count > 1 ? LeaseSpec.ParseOffset(parts[1], text) : 0;
        long size = parts.Count > 2 ? LeaseSpec.ParseOffset(parts[2], text) : 0;
        return (parts[0], offset, size);
    }
}
