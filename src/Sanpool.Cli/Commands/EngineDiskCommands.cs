using System.CommandLine;
using Sanpool.Api.Binding;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine disks list|show|create|remove|copy|move|chain|reconcile</c>. Create, remove,
/// copy and move (<see cref="EngineDiskCopyCommands"/>) are jobs: the job's id is printed at once, or with <c>--wait</c> the job is followed to its end.
/// </summary>
internal static class EngineDiskCommands
{
    public static readonly EngineView<DiskDto> View = new(c => c.Disks, EngineText.Disks);

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var disks = new Command("disks", "The disks the engine knows: each a chain of volumes (the leaf and its snapshots) on a storage domain.");
        disks.Subcommands.Add(EngineVerbs.List(View, "List the disks by alias: status, format, allocation, size, space used, volumes, domain, id.", configure));
        disks.Subcommands.Add(EngineVerbs.Show(View, "disk", "Show one disk: sizes, status (ok, locked while a job works on it, illegal), format, leaf volume, domains.", configure));
        disks.Subcommands.Add(New(configure));
        disks.Subcommands.Add(Remove(configure));
        disks.Subcommands.Add(EngineDiskCopyCommands.Copy(configure));
        disks.Subcommands.Add(EngineDiskCopyCommands.Move(configure));
        disks.Subcommands.Add(Chain(configure));
        disks.Subcommands.Add(Reconcile(configure));
        return disks;
    }

    private static Option<bool> Wait() => new("--wait")
    {
        Description = "Follow the job until it ends, a progress bar on stderr; exit 1 if it failed, with what the engine says. Without it the job's id is printed at once.",
    };

    private static Command New(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var domain = new Option<string>("--domain") { Description = "The storage domain's UUID (see 'sanpool engine domains list').", HelpName = "SD", Required = true };
        var size = new Option<string>("--size") { Description = $"Virtual size: {SizeParser.Suffixes}; e.g. 10G.", HelpName = "SIZE", Required = true };
        var alias = new Option<string>("--alias") { Description = "The disk's name.", HelpName = "NAME", Required = true };
        var description = new Option<string?>("--description") { Description = "A description.", HelpName = "TEXT" };
        var format = new Option<string>("--format") { Description = "cow (qcow2, the default) or raw.", HelpName = "cow|raw", DefaultValueFactory = _ => "cow" };
        format.AcceptOnlyFromAmong("cow", "raw");
        var preallocated = new Option<bool>("--preallocated") { Description = "Allocate the whole size now (default: sparse for cow; raw is preallocated unless --sparse)." };
        var sparse = new Option<bool>("--sparse") { Description = "Thin: allocate as written (the default for cow)." };
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job and the disk) as JSON; with --wait, the disk's JSON once the job has finished." };
        var cmd = new Command(
            "create",
            "Create a disk of one volume on a storage domain, as a job run by the data center's SPM. Prints the disk's id and the job's; with --wait follows the job, then shows the disk.")
        { domain, size, alias, description, format, preallocated, sparse, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            if (p.GetValue(preallocated) && p.GetValue(sparse))
            {
                throw new UsageException("give --preallocated or --sparse, not both");
            }

            bool? isSparse = p.GetValue(preallocated) ? false : p.GetValue(sparse) ? true : null;
            var body = new CreateDiskRequest(
                p.GetValue(alias), Bytes(p.GetValue(size)!), p.GetValue(format), isSparse, p.GetValue(description),
                new IdRefDto(StorageOptions.Uuid(p.GetValue(domain), "storage domain").ToString()));
            var answer = await client.SendAsync(HttpMethod.Post, client.Disks.Path, body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the disk without saying its job");
            var action = client.As<ActionDto>(answer);
            var output = EngineVerbs.Out(p);
            if (!p.GetValue(wait))
            {
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"disk {action.Disk?.Id}\njob {action.Job.Id}").ConfigureAwait(false);
                return 0;
            }

            await EngineJobFollower.FollowAsync(client, action.Job.Id, p, ct).ConfigureAwait(false);
            var disk = await client.Disks.GetJsonAsync(action.Disk!.Id, ct).ConfigureAwait(false);
            await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(disk) : EngineText.Details(disk)).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Remove(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("disk");
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job) as JSON." };
        var cmd = new Command("remove", "Remove a disk and all its volumes, as a job (refused while another job holds the disk). Prints the job's id; --wait follows it.") { id, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var diskId = EngineVerbs.Uuid(p, id, "disk");
            var answer = await client.SendAsync(HttpMethod.Delete, client.Disks.PathOf(diskId), null, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the removal without saying its job");
            var action = client.As<ActionDto>(answer);
            var output = EngineVerbs.Out(p);
            if (p.GetValue(wait))
            {
                await EngineJobFollower.FollowAsync(client, action.Job.Id, p, ct).ConfigureAwait(false);
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"disk {diskId} removed").ConfigureAwait(false);
                return 0;
            }

            await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"job {action.Job.Id}").ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Chain(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("disk");
        var json = EngineVerbs.Json();
        var cmd = new Command(
            "chain",
            "Show a disk's chain four ways, read from the storage by a host: the database's rows, the volume metadata, the LV tags and the qcow2 headers, " +
            "each volume's parent as each says it, and every difference with its fix.")
        { id, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var node = await client.GetAsync(client.Disks.PathOf(EngineVerbs.Uuid(p, id, "disk"), "chain"), ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(node) : EngineText.Chain(client.As<DiskChainReport>(node))).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Reconcile(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("disk");
        var json = EngineVerbs.Json();
        var cmd = new Command(
            "reconcile",
            "Make the database agree with the storage for one disk: every fix that cannot lose data is applied, as one job; the others are listed for an admin.")
        { id, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var node = await client.SendAsync(HttpMethod.Post, client.Disks.PathOf(EngineVerbs.Uuid(p, id, "disk"), "reconcile"), null, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine answered the reconciliation with no body");
            var output = EngineVerbs.Out(p);
            if (p.GetValue(json))
            {
                await output.WriteLineAsync(EngineVerbs.Print(node)).ConfigureAwait(false);
                return 0;
            }

            var done = client.As<ReconcileDto>(node);
            await output.WriteLineAsync(done.Applied.Count == 0
                ? "nothing safe to fix"
                : $"job {done.Job?.Id} {done.Job?.Status}: applied {done.Applied.Count} fix(es)\n{EngineText.Differences(done.Applied)}").ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync(EngineText.Chain(done.After)).ConfigureAwait(false);
            return 0;
        });
    }

    private static long Bytes(string text)
    {
        try
        {
            return SizeParser.ParseCapacity(text);
        }
        catch (SanpoolException e) when (e.Code == CommonErrors.InvalidArgument)
        {
            throw new UsageException($"--size {text}: {e.Message}");
        }
    }
}
