using System.CommandLine;
using Sanpool.Cli;
using Sanpool.Cli.Commands;
using Sanpool.Core;

var root = new RootCommand(
    "sanpool: shared storage for KVM clusters. Leases on the storage itself (sanlock-compatible), " +
    "one Storage Pool Manager per pool, thin-provisioned qcow2 volume chains.");
root.Subcommands.Add(LeaseCommands.Create());
root.Subcommands.Add(LeasedCommand.Create());
root.Subcommands.Add(DomainCommands.Create());
root.Subcommands.Add(ImageCommands.Create());
root.Subcommands.Add(VolumeCommands.Snapshot());
root.Subcommands.Add(VolumeCommands.Volume());
root.Subcommands.Add(VolumeCommands.Template());
root.Subcommands.Add(ChainCommands.Dump());
root.Subcommands.Add(PoolCommands.Create());
root.Subcommands.Add(AgentCommands.Create());
root.Subcommands.Add(EngineCommands.Create());
root.Subcommands.Add(SpmCommands.Create());
root.Subcommands.Add(TaskCommands.Create());
root.Subcommands.Add(DemoCommand.Create());
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Bad usage follows the same one-line error contract as every other failure.
    var what = string.Join(" ", parse.Errors.Select(e => System.Text.RegularExpressions.Regex.Replace(e.Message, " as expected type '[^']*'", "")));
    await Console.Error.WriteLineAsync($"sanpool: {CommonErrors.InvalidArgument.OneLine(what)} {CliAction.HelpHint(parse)}");
    return CliAction.Usage;
}

// leased releases and leaves its lockspaces on SIGTERM; that may take longer than the default 2 s.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(90) });
