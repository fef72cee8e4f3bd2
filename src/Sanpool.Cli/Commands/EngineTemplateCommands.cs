using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine templates list|show|create</c>: templates made from a VM that is down, each
/// disk of it collapsed into one volume VMs are then made from
/// (<c>sanpool engine vms define NAME --template TPL</c>). Create is a job: its id is printed at
/// once, or with <c>--wait</c> the job is followed to its end and the template shown.
/// </summary>
internal static class EngineTemplateCommands
{
    public static readonly EngineView<TemplateDto> View = new(c => c.Templates, EngineText.Templates);

    public static Command Create(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var templates = new Command(
            "templates",
            "The templates the engine knows: a VM's disks each copied, chain collapsed, into one volume that VMs made from the template share as the base " +
            "of their own thin disks ('sanpool engine vms define NAME --template TPL').");
        templates.Subcommands.Add(EngineVerbs.List(View, "List the templates by name: status (locked while a job works on a disk of it), memory, created, disks, id.", configure));
        templates.Subcommands.Add(EngineVerbs.Show(View, "template", "Show one template: description, memory, status, its disks.", configure));
        templates.Subcommands.Add(New(configure));
        return templates;
    }

    private static Command New(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var vm = new Option<string>("--vm") { Description = "The VM to make it from, by UUID (see 'sanpool engine vms list'); it must be down.", HelpName = "VM", Required = true };
        var name = new Option<string>("--name") { Description = "The template's name.", HelpName = "NAME", Required = true };
        var description = new Option<string?>("--description") { Description = "A description.", HelpName = "TEXT" };
        var wait = EngineVmCommands.Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job and the template) as JSON; with --wait, the template's JSON once the job has finished." };
        var cmd = new Command(
            "create",
            "Make a template from a VM that is down, as one job run by the data center's SPM: each disk of the VM copied, its chain collapsed, into one " +
            "volume of a new disk on the same storage domain (all the disks or none); the VM's disks are only read, and LOCKED while they are. Prints the " +
            "template's id and the job's; with --wait follows the job, then shows the template.")
        { vm, name, description, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            var body = new CreateTemplateRequest(new IdRefDto(StorageOptions.Uuid(p.GetValue(vm), "VM").ToString()), p.GetValue(name), p.GetValue(description));
            var answer = await client.SendAsync(HttpMethod.Post, client.Templates.Path, body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the template without saying its job");
            var action = client.As<TemplateActionDto>(answer);
            var output = EngineVerbs.Out(p);
            if (!p.GetValue(wait))
            {
                await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(answer) : $"template {action.Template.Id}\njob {action.Job.Id}").ConfigureAwait(false);
                return 0;
            }

            await EngineJobFollower.FollowAsync(client, action.Job.Id, p, ct).ConfigureAwait(false);
            var template = await client.Templates.GetJsonAsync(action.Template.Id, ct).ConfigureAwait(false);
            await output.WriteLineAsync(p.GetValue(json) ? EngineVerbs.Print(template) : EngineText.Details(template)).ConfigureAwait(false);
            return 0;
        });
    }
}
