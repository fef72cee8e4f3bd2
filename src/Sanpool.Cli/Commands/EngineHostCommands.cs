using System.CommandLine;
using System.Text.Json.Nodes;
using Sanpool.Cli.EngineApi;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary><c>sanpool engine hosts list|show|add|maintenance|activate|select-as-spm|remove</c>.</summary>
internal static class EngineHostCommands
{
    public static readonly EngineView<HostDto> View = new(c => c.Hosts, EngineText.Hosts);

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var hosts = new Command("hosts", "The hosts the engine manages: their agents, status (Up, NonResponsive, Maintenance, NonOperational) and SPM role.");
        hosts.Subcommands.Add(EngineVerbs.List(View, "List the hosts by name: status, SPM role and priority, host id, agent address, id.", configure));
        hosts.Subcommands.Add(EngineVerbs.Show(View, "host", "Show one host: status and why, SPM role and priority, agent address, host id and data center, last seen.", configure));
        hosts.Subcommands.Add(Add(configure));
        hosts.Subcommands.Add(Action("maintenance", "deactivate", "Put a host into Maintenance (refused for the SPM: move the role first with select-as-spm).", configure));
        hosts.Subcommands.Add(Action("activate", "activate", "Take a host out of Maintenance; the engine's next poll says its status.", configure));
        hosts.Subcommands.Add(Action(
            "select-as-spm", "selectasspm",
            "Move the SPM role to this host now; returns once it is SPM (refused while the SPM runs tasks, for priority -1, or a host not Up).", configure));
        hosts.Subcommands.Add(Remove(configure));
        return hosts;
    }

    private static Command Add(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var address = new Argument<string>("ADDRESS") { Description = "The host's agent: its unix socket path (the agent config's \"socket\") or http(s)://HOST:PORT of its TCP endpoint." };
        var agentToken = new Option<string?>("--agent-token") { Description = "The agent's bearer token, needed over TCP (the agent config's \"token\").", HelpName = "TOKEN" };
        var priority = new Option<int?>("--spm-priority") { Description = "Its SPM priority: -1 never, 0-10 (default 5).", HelpName = "N" };
        var name = new Option<string?>("--name") { Description = "Its name in the engine (default: the name its agent gives).", HelpName = "NAME" };
        var json = EngineVerbs.Json();
        var cmd = new Command(
            "add",
            "Add a host by its agent's address: the engine asks the agent for its host id and pool, and imports the pool (data center, domains, disks) if it is new.")
        { address, agentToken, priority, name, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            string target = p.GetValue(address)!;
            if (!target.Contains("://", StringComparison.Ordinal))
            {
                // The engine takes an absolute socket path; a relative one is this shell's.
                target = Path.GetFullPath(target);
            }

            var body = new AddHostRequest(target, p.GetValue(agentToken), p.GetValue(priority), p.GetValue(name));
            var answer = await client.SendAsync(HttpMethod.Post, client.Hosts.Path, body, ct).ConfigureAwait(false);
            await PrintAsync(p, client, answer, p.GetValue(json)).ConfigureAwait(false);
            return 0;
        });
    }

    /// <summary>POST /api/hosts/{id}/{action}: the host as it is after it, as a one-row table (or its JSON).</summary>
    private static Command Action(string verb, string action, string description, Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("host");
        var json = EngineVerbs.Json();
        return EngineVerbs.Verb(new Command(verb, description) { id, json }, configure, async (p, client, ct) =>
        {
            var answer = await client.SendAsync(HttpMethod.Post, client.Hosts.PathOf(EngineVerbs.Uuid(p, id, "host"), action), null, ct).ConfigureAwait(false);
            await PrintAsync(p, client, answer, p.GetValue(json)).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Remove(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("host");
        return EngineVerbs.Verb(new Command("remove", "Remove a host in Maintenance from the engine (its agent keeps running).") { id }, configure, async (p, client, ct) =>
        {
            var hostId = EngineVerbs.Uuid(p, id, "host");
            _ = await client.SendAsync(HttpMethod.Delete, client.Hosts.PathOf(hostId), null, ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync($"host {hostId} removed").ConfigureAwait(false);
            return 0;
        });
    }

    private static Task PrintAsync(ParseResult p, EngineClient client, JsonNode? answer, bool json) =>
        EngineVerbs.Out(p).WriteLineAsync(json || answer is null ? EngineVerbs.Print(answer) : EngineText.Hosts([client.As<HostDto>(answer)]));
}
