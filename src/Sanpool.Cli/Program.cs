using System.CommandLine;
using Sanpool.Cli.Commands;

var root = new RootCommand(
    "sanpool: shared storage for KVM clusters. Leases on the storage itself (sanlock-compatible), " +
    "one Storage Pool Manager per pool, thin-provisioned qcow2 volume chains.");
root.Subcommands.Add(LeaseCommands.Create());
root.Subcommands.Add(LeasedCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
// leased releases and leaves its lockspaces on SIGTERM; that may take longer than the default 2 s.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) });
