using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool engine datacenters list|show</c> and <c>sanpool engine domains list|show|disks</c> (with the actions of <see cref="EngineDomainActionCommands"/>): what the engine imported from its hosts' pools.</summary>
internal static class EngineInventoryCommands
{
    public static readonly EngineView<DataCenterDto> DataCenterView = new(c => c.DataCenters, EngineText.DataCenters);
    public static readonly EngineView<StorageDomainDto> DomainView = new(c => c.StorageDomains, EngineText.StorageDomains);

    public static Command DataCenters(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var command = new Command("datacenters", "The data centers: one per pool, imported when its first host is added.");
        command.Subcommands.Add(EngineVerbs.List(DataCenterView, "List the data centers by name: status, SPM host, master version, id.", configure));
        command.Subcommands.Add(EngineVerbs.Show(DataCenterView, "data center", "Show one data center: status, SPM host, master domain version.", configure));
        return command;
    }

    public static Command Domains(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var command = new Command(
            "domains",
            "The storage domains of the data centers (block or file), with their status and space; and their actions in a data center " +
            "(attach, detach, deactivate, activate, make-master), each a job of the engine.");
        command.Subcommands.Add(EngineVerbs.List(DomainView, "List the storage domains by name: storage type, master or data, status, available and used space, id.", configure));
        command.Subcommands.Add(EngineVerbs.Show(DomainView, "storage domain", "Show one storage domain: storage (VG or path), status in its data center, sizes, block size.", configure));
        command.Subcommands.Add(Disks(configure));
        foreach (var action in EngineDomainActionCommands.Create(configure))
        {
            command.Subcommands.Add(action);
        }

        return command;
    }

    private static Command Disks(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("storage domain");
        var json = EngineVerbs.Json();
        var cmd = new Command("disks", "List the disks with a volume on a storage domain, by alias.") { id, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var items = await client.ListAsync(client.StorageDomains.PathOf(EngineVerbs.Uuid(p, id, "storage domain"), "disks"), null, null, null, ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(items) : EngineText.Disks([.. items.Select(i => client.As<DiskDto>(i!))])).ConfigureAwait(false);
            return 0;
        });
    }
}
