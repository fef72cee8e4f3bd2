using System.CommandLine;

namespace Sanpool.Cli.Commands;

/// <summary>The lease options, spelled as sanlock spells them.</summary>
internal static class LeaseOptions
{
    public static Option<string> Lockspace(string description) => new("--lockspace", "-s")
    {
        Description = description,
        HelpName = "LS:ID:PATH:OFFSET",
    };

    public static Option<string> Resource(string description) => new("--resource", "-r")
    {
        Description = description,
        HelpName = "LS:RES:PATH:OFFSET",
    };

    public static Option<int?> SectorSize() => new("--sector-size", "-Z")
    {
        Description = "Sector size of the lease area: 512 or 4096 (default: the device's).",
    };

    public static Option<string?> Alignment() => new("--align", "-A")
    {
        Description = "Alignment (area size): 1M, 2M, 4M or 8M (default: 1M for 512, 8M for 4096).",
    };

    public static Option<int> IoTimeout() => new("--io-timeout", "-o")
    {
        Description = "io_timeout in seconds; every lease timeout derives from it (sanlock default 10).",
        DefaultValueFactory = _ => Leases.LeaseTimeouts.DefaultIoTimeout,
    };

    public static Option<string> HostName() => new("--host-name", "-e")
    {
        Description = "This host's unique name, written in its host id record (default: the machine name).",
        DefaultValueFactory = _ => Environment.MachineName,
    };
}
