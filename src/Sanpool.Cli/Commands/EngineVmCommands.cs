using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine vms list|show|define|snapshots|snapshot|remove-snapshot|start|stop</c>: VMs,
/// their snapshots with seed 003's semantics, and running them on hosts. A snapshot taken or
/// removed, a VM defined from a template, a start and a stop are jobs: the job's id is printed
/// at once, or with <c>--wait</c> the job is followed to its end.
/// </summary>
internal static class EngineVmCommands
{
    public static readonly EngineView<VmDto> View = new(c => c.Vms, EngineText.Vms);

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vms = new Command(
            "vms",
            "The VMs the engine knows, their disks and their snapshots. A snapshot takes every disk of a VM that is down at once " +
            "(a new leaf on each chain, the old leaves frozen); removing one merges it into its neighbour, through the SPM.");
        vms.Subcommands.Add(EngineVerbs.List(View, "List the VMs by name: run state, host, memory, disks, id.", configure));
        vms.Subcommands.Add(EngineVerbs.Show(View, "VM", "Show one VM: memory, run state and host, its disks and where its snapshots are.", configure));
        vms.Subcommands.Add(Define(configure));
        vms.Subcommands.Add(Snapshots(configure));
        vms.Subcommands.Add(Snapshot(configure));
        vms.Subcommands.Add(RemoveSnapshot(configure));
        vms.Subcommands.Add(Start(configure));
        vms.Subcommands.Add(Stop(configure));
        return vms;
    }

    internal static Option<bool> Wait() => new("--wait")
    {
        Description = "Follow the job until it ends, a progress bar on stderr; exit 1 if it failed, with what the engine says. Without it the job's id is printed at once.",
    };

    private static Command Define(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var name = new Argument<string>("NAME") { Description = "The VM's name: letters, digits, '.', '_' or '-'." };
        var disks = new Option<string[]>("--disk")
        {
            Description = "A disk to attach, by UUID (see 'sanpool engine disks list'); repeat for several. A disk belongs to one VM.",
            HelpName = "DISK",
            AllowMultipleArgumentsPerToken = false,
        };
        var boot = new Option<string?>("--boot-disk") { Description = "The boot disk (one of the --disk ones; default the first).", HelpName = "DISK" };
        var memory = new Option<int?>("--memory") { Description = "Memory in MiB (default 1024).", HelpName = "MIB" };
        var description = new Option<string?>("--description") { Description = "A description.", HelpName = "TEXT" };
        var template = new Option<string?>("--template")
        {
            Description = "Make the VM from this template (by UUID, see 'sanpool engine templates list') instead of attaching disks: each template disk gets " +
                          "a thin clone (one COW volume over the template's), made by a job (all the disks or no VM).",
            HelpName = "TPL",
        };
        var wait = new Option<bool>("--wait")
        {
            Description = "With --template: follow the job until it ends, a progress bar on stderr, then show the VM; exit 1 if it failed, with what the engine says. " +
                          "Without it the VM's id and the job's are printed at once.",
        };
        var json = new Option<bool>("--json") { Description = "Print the engine's answer as JSON (with --template, the job and the VM; with --wait, the VM once the job has finished)." };
        var cmd = new Command(
            "define",
            "Define a VM with existing disks attached (--disk), or made from a template (--template, a job); prints the VM " +
            "(it is not started: Sanpool's engine keeps the inventory).")
        { name, disks, boot, memory, description, template, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var ids = (p.GetValue(disks) ?? []).Select(d => new IdRefDto(StorageOptions.Uuid(d, "disk").ToString())).ToList();
            string? from = p.GetValue(template);
            if (from is not null && (ids.Count > 0 || p.GetValue(boot) is not null))
            {
                throw new UsageException("a VM made from a template has the template's disks: give --template or --disk, not both");
            }

            if (from is null && p.GetValue(wait))
            {
                throw new UsageException("--wait follows the job of a VM made from a template: give it with --template");
            }

            var body = new DefineVmRequest(
                p.GetValue(name), p.GetValue(memory), p.GetValue(description), ids,
                p.GetValue(boot) is { } b ? new IdRefDto(StorageOptions.Uuid(b, "disk").ToString()) : null,
                from is null ? null : new IdRefDto(StorageOptions.Uuid(from, "template").ToString()));
            var answer = await client.SendAsync(HttpMethod.Post, client.Vms.Path, body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine defined the VM without showing it");
            var output = EngineVerbs.Out(p);
            if (from is null)
            {
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : EngineText.Details(answer)).ConfigureAwait(false);
                return 0;
            }

            var action = client.As<VmActionDto>(answer);
            if (!p.GetValue(wait))
            {
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"vm {action.Vm.Id}\njob {action.Job.Id}").ConfigureAwait(false);
                return 0;
            }

            await EngineJobFollower.FollowAsync(client, action.Job.Id, p, ct).ConfigureAwait(false);
            var vm = await client.Vms.GetJsonAsync(action.Vm.Id, ct).ConfigureAwait(false);
            await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(vm) : EngineText.Details(vm)).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Snapshots(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = EngineVerbs.Id("VM");
        var json = EngineVerbs.Json();
        var cmd = new Command(
            "snapshots",
            "List a VM's snapshots, oldest first, the Active VM (its present state, the leaves) last: description, type, status (locked while a job works on it), date, " +
            "the volume each holds per disk, id.")
        { vm, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var node = await client.GetAsync(client.Vms.PathOf(EngineVerbs.Uuid(p, vm, "VM"), "snapshots"), ct).ConfigureAwait(false);
            await EngineVerbs.Out(p).WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(node) : EngineText.Snapshots(client.As<List<SnapshotDto>>(node))).ConfigureAwait(false);
            return 0;
        });
    }

    private static Command Snapshot(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = EngineVerbs.Id("VM");
        var description = new Option<string>("--description") { Description = "The snapshot's description, as the snapshot list shows it.", HelpName = "TEXT", Required = true };
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job, the VM, the snapshot) as JSON; with --wait, the snapshot list once the job has finished." };
        var cmd = new Command(
            "snapshot",
            "Take a snapshot of every disk of a VM that is down, as one job (all the disks or none): the Active VM's volumes become the snapshot's and each disk " +
            "gets a new leaf. Prints the snapshot's id and the job's; with --wait follows the job, then lists the snapshots.")
        { vm, description, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid vmId = EngineVerbs.Uuid(p, vm, "VM");
            var answer = await client.SendAsync(HttpMethod.Post, client.Vms.PathOf(vmId, "snapshots"), new CreateSnapshotRequest(p.GetValue(description)), ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the snapshot without saying its job");
            var action = client.As<VmActionDto>(answer);
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, action.Job.Id, wait, json, $"snapshot {action.Snapshot?.Id}\njob {action.Job.Id}",
                c => client.GetAsync(client.Vms.PathOf(vmId, "snapshots"), c), n => EngineText.Snapshots(client.As<List<SnapshotDto>>(n)), ct).ConfigureAwait(false);
        });
    }

    private static Command RemoveSnapshot(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = EngineVerbs.Id("VM");
        var snapshot = new Argument<string>("SNAPSHOT") { Description = "The snapshot's UUID (see 'sanpool engine vms snapshots VM')." };
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job) as JSON; with --wait, the snapshot list once the job has finished." };
        var cmd = new Command(
            "remove-snapshot",
            "Remove a snapshot of a VM that is down, as one job: on each disk the next volume up the chain is merged into the snapshot's (a cold merge on the SPM). " +
            "Prints the job's id; with --wait follows it, then lists the snapshots.")
        { vm, snapshot, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid vmId = EngineVerbs.Uuid(p, vm, "VM");
            Guid snapshotId = StorageOptions.Uuid(p.GetValue(snapshot), "snapshot");
            var answer = await client.SendAsync(HttpMethod.Delete, client.Vms.PathOf(vmId, $"snapshots/{snapshotId}"), null, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the removal without saying its job");
            var action = client.As<VmActionDto>(answer);
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, action.Job.Id, wait, json, $"job {action.Job.Id}",
                c => client.GetAsync(client.Vms.PathOf(vmId, "snapshots"), c), n => EngineText.Snapshots(client.As<List<SnapshotDto>>(n)), ct).ConfigureAwait(false);
        });
    }

    private static Command Start(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = EngineVerbs.Id("VM");
        var host = new Option<string?>("--host")
        {
            Description = "The host to run it on, by name or UUID (see 'sanpool engine hosts list'); default the Up host of the VM's data center running fewest VMs.",
            HelpName = "HOST",
        };
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job, the VM) as JSON; with --wait, the VM once the job has ended." };
        var cmd = new Command(
            "start",
            "Run a VM that is down on a host, as a job: the host serves its disk and boots the engine's configured kernel with it (a VM with one disk; " +
            "refused with VMS_NOT_CONFIGURED if the engine config has no \"vms\"). Prints the job's id; with --wait follows it, then shows the VM (status up).")
        { vm, host, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid vmId = EngineVerbs.Uuid(p, vm, "VM");
            string? target = p.GetValue(host);
            var body = new StartVmRequest(target is null ? null : Guid.TryParse(target, out _) ? new HostRefRequest(Id: target) : new HostRefRequest(Name: target));
            var answer = await client.SendAsync(HttpMethod.Post, client.Vms.PathOf(vmId, "start"), body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the start without saying its job");
            var started = client.As<VmActionDto>(answer).Job.Id;
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, started, wait, json, $"job {started}", c => client.GetAsync(client.Vms.PathOf(vmId), c), EngineText.Details, ct).ConfigureAwait(false);
        });
    }

    private static Command Stop(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = EngineVerbs.Id("VM");
        var wait = Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job, the VM) as JSON; with --wait, the VM once the job has ended." };
        var cmd = new Command(
            "stop",
            "Power a VM off, as a job: its host kills it and stops serving its disk; the VM is down and its volumes may change again (snapshots, moves). " +
            "Prints the job's id; with --wait follows it, then shows the VM.")
        { vm, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid vmId = EngineVerbs.Uuid(p, vm, "VM");
            var answer = await client.SendAsync(HttpMethod.Post, client.Vms.PathOf(vmId, "stop"), new { }, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the stop without saying its job");
            var started = client.As<VmActionDto>(answer).Job.Id;
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, started, wait, json, $"job {started}", c => client.GetAsync(client.Vms.PathOf(vmId), c), EngineText.Details, ct).ConfigureAwait(false);
        });
    }
}
