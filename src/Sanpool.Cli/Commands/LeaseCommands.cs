using System.CommandLine;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool lease ...</c>: the daemon-less verbs that work on the storage directly (as
/// <c>sanlock direct</c>), and the lease daemon's client verbs.
/// </summary>
public static class LeaseCommands
{
    public static Command Create()
    {
        var lease = new Command("lease", "Host-id and resource leases on shared storage, byte-compatible with sanlock 3.8.5.");
        lease.Subcommands.Add(LeaseDirectCommands.Init());
        lease.Subcommands.Add(LeaseDirectCommands.Dump());
        lease.Subcommands.Add(LeaseDirectCommands.ReadLeader());
        foreach (var c in LeaseIdCommands.Create())
        {
            lease.Subcommands.Add(c);
        }

        foreach (var c in DaemonCommands.Create())
        {
            lease.Subcommands.Add(c);
        }

        return lease;
    }
}
