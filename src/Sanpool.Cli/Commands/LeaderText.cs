using System.Globalization;
using System.Text;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Cli.Commands;

/// <summary>A leader record as 'sanlock direct read_leader' prints it: one "name value" line per field.</summary>
internal static class LeaderText
{
    public static string Format(LeaderRecord lr)
    {
        bool delta = lr.Magic == LeaderRecord.DeltaMagic;
        var sb = new StringBuilder();
        void Line(string name, object value) => sb.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
        Line("magic", $"0x{lr.Magic:x}");
        Line("version", $"0x{lr.Version:x}");
        Line("flags", $"0x{lr.Flags:x}");
        Line("sector_size", lr.SectorSize);
        Line("num_hosts", lr.NumHosts);
        Line("max_hosts", lr.MaxHosts);
        Line("owner_id", lr.OwnerId);
        Line("owner_generation", lr.OwnerGeneration);
        Line("lver", lr.Lver);
        Line("space_name", lr.SpaceName);
        Line("resource_name", lr.ResourceName);
        Line("timestamp", lr.Timestamp);
        Line("checksum", $"0x{lr.Checksum:x}");
        Line("io_timeout", lr.IoTimeout);
        Line(delta ? "extra1" : "write_id", lr.WriteId);
        Line(delta ? "extra2" : "write_generation", lr.WriteGeneration);
        Line(delta ? "extra3" : "write_timestamp", lr.WriteTimestamp);
        return sb.ToString();
    }
}
