using System.CommandLine;
using Sanpool.Cli.Commands;

var root = new RootCommand(
    "sanpool: shared storage for KVM clusters. Leases on the storage itself (sanlock-compatible), " +
    "one Storage Pool Manager per pool, thin-provisioned qcow2 volume chains.");
root.Subcommands.Add(LeaseCommands.Create());
// LEASED root.Subcommands.Add(LeasedCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
return await root.Parse(args).InvokeAsync();
