using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine domains attach|detach|deactivate|activate|make-master</c>: a data center's
/// storage domain actions, each a job of the engine (its id printed at once, or followed with
/// <c>--wait</c>). The data center is <c>--datacenter</c>, or the one the domain is attached to
/// (for attach: the only data center, when there is one).
/// </summary>
internal static class EngineDomainActionCommands
{
    public static IEnumerable<Command> Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        yield return Action(
            configure, "attach",
            "Attach a storage domain to a data center, through its SPM: the domain joins the pool's keys, Active, and its disks are read into the inventory. " +
            "Refused (STORAGE_DOMAIN_ATTACHED) for a domain in a data center already.",
            attach: true, (dc, sd) => (HttpMethod.Post, $"api/datacenters/{dc}/storagedomains", new IdRefDto(sd.ToString())));
        yield return Action(
            configure, "detach",
            "Detach a storage domain from its data center, through its SPM; its disks leave the inventory (their volumes stay on it and come back with the next attach). " +
            "Only a regular domain in Maintenance whose disks no VM uses: the master is refused (STORAGE_DOMAIN_IS_MASTER: make another domain master first), " +
            "an Active one too (STORAGE_DOMAIN_STATE_CONFLICT: deactivate it first).",
            attach: false, (dc, sd) => (HttpMethod.Delete, $"api/datacenters/{dc}/storagedomains/{sd}", null));
        yield return Action(
            configure, "deactivate",
            "Put a storage domain into Maintenance: no job of the engine reaches it until it is activated. Refused for the master (STORAGE_DOMAIN_IS_MASTER) and " +
            "while VMs with disks on it run, its disks are LOCKED, or jobs or SPM tasks work on it (STORAGE_DOMAIN_IN_USE, naming them).",
            attach: false, (dc, sd) => (HttpMethod.Post, $"api/datacenters/{dc}/storagedomains/{sd}/deactivate", null));
        yield return Action(
            configure, "activate",
            "Take a storage domain out of Maintenance: Active again once a host of the data center reads its metadata and finds it in this pool.",
            attach: false, (dc, sd) => (HttpMethod.Post, $"api/datacenters/{dc}/storagedomains/{sd}/activate", null));
        yield return Action(
            configure, "make-master",
            "Move the master role (the pool's keys, tasks and host reports) to this Active domain, through the SPM; no SPM task may run. The SPM role ends with the " +
            "move and the engine elects the next SPM on the new master.",
            attach: false, (dc, sd) => (HttpMethod.Post, $"api/datacenters/{dc}/storagedomains/{sd}/makemaster", null));
    }

    private static Command Action(
        Func<EngineClientSettings, EngineClientSettings>? configure, string name, string description, bool attach,
        Func<Guid, Guid, (HttpMethod Method, string Path, object? Body)> request)
    {
        var id = EngineVerbs.Id("storage domain");
        var dc = new Option<string?>("--datacenter")
        {
            Description = attach
                ? "The data center's UUID (see 'sanpool engine datacenters list'); needed when the engine has more than one."
                : "The data center's UUID; by default the one the domain is attached to.",
            HelpName = "DC",
        };
        var wait = EngineVmCommands.Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job and the domain) as JSON; with --wait, the domain's JSON once the job has finished." };
        var cmd = new Command(name, description) { id, dc, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid domain = EngineVerbs.Uuid(p, id, "storage domain");
            Guid pool = p.GetValue(dc) is { } given
                ? StorageOptions.Uuid(given, "data center")
                : await DataCenterOfAsync(client, domain, attach, ct).ConfigureAwait(false);
            var (method, path, body) = request(pool, domain);
            var answer = await client.SendAsync(method, path, body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, $"the engine accepted the {name} without saying its job");
            var action = client.As<DomainActionDto>(answer);
            var output = EngineVerbs.Out(p);
            if (!p.GetValue(wait))
            {
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"job {action.Job.Id}").ConfigureAwait(false);
                return 0;
            }

            await EngineJobFollower.FollowAsync(client, action.Job.Id, p, ct).ConfigureAwait(false);
            var after = await client.StorageDomains.GetJsonAsync(domain, ct).ConfigureAwait(false);
            await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(after) : EngineText.Details(after)).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary>The data center the domain is in; for an attach, the engine's only data center.</summary>
    private static async Task<Guid> DataCenterOfAsync(EngineClient client, Guid domain, bool attach, CancellationToken ct)
    {
        if (!attach)
        {
            var known = await client.StorageDomains.GetAsync(domain, ct).ConfigureAwait(false);
            return known.DataCenter?.Id ?? throw new UsageException($"storage domain {domain} is in no data center; give --datacenter");
        }

        var pools = await client.DataCenters.ListAsync(null, null, ct).ConfigureAwait(false);
        return pools.Count == 1
            ? pools[0].Id
            : throw new UsageException($"the engine has {pools.Count} data centers; give --datacenter (see 'sanpool engine datacenters list')");
    }
}
