using System.CommandLine;
using Sanpool.Cli.EngineApi;
using Sanpool.Core;
using Sanpool.Engine.Web.Dtos;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>sanpool engine disks copy|move DISK --domain SD</c>: a disk copied (a new disk) or moved (the
/// same disk) to another storage domain of its data center, each a job of the SPM
/// (<c>POST /api/disks/{id}/copy</c> and <c>/move</c> with <c>{ "storage_domain": { "id": SD } }</c>).
/// The job's id is printed at once, or with <c>--wait</c> the job is followed to its end and the
/// disk shown as it is then.
/// </summary>
internal static class EngineDiskCopyCommands
{
    public static Command Copy(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("disk");
        var domain = Target("The storage domain to copy to (any Active one of the disk's data center, its own too), by UUID.");
        var alias = new Option<string?>("--alias") { Description = "The copy's name (default: the disk's, with \"_copy\").", HelpName = "NAME" };
        var wait = EngineVmCommands.Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job and the new disk) as JSON; with --wait, the new disk's JSON once the job has finished." };
        var cmd = new Command(
            "copy",
            "Copy a disk to a storage domain as a new disk, as a job run by the data center's SPM: its chain collapsed into one volume (the snapshots are not " +
            "copied), the source only read. The disk must not be used by a running VM nor held by another job (DISK_LOCKED names it). Prints the new disk's " +
            "id and the job's; with --wait follows the job, then shows the new disk.")
        { id, domain, alias, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid diskId = EngineVerbs.Uuid(p, id, "disk");
            var body = new { storage_domain = new IdRefDto(StorageOptions.Uuid(p.GetValue(domain), "storage domain").ToString()), alias = p.GetValue(alias) };
            var answer = await client.SendAsync(HttpMethod.Post, client.Disks.PathOf(diskId, "copy"), body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the copy without saying its job");
            var action = client.As<ActionDto>(answer);
            var copyId = action.Disk?.Id ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the copy without naming the new disk");
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, action.Job.Id, wait, json, $"disk {copyId}\njob {action.Job.Id}",
                c => client.Disks.GetJsonAsync(copyId, c), EngineText.Details, ct).ConfigureAwait(false);
        });
    }

    public static Command Move(Func<EngineClientSettings, EngineClientSettings>? configure)
    {
        var id = EngineVerbs.Id("disk");
        var domain = Target("The storage domain to move to (another Active one of the disk's data center), by UUID.");
        var wait = EngineVmCommands.Wait();
        var json = new Option<bool>("--json") { Description = "Print the engine's answer (the job and the disk) as JSON; with --wait, the disk's JSON once the job has finished." };
        var cmd = new Command(
            "move",
            "Move a disk to another storage domain, as a job run by the data center's SPM: the chain copied as it is (same ids, snapshots kept), then the " +
            "source's volumes deleted; until the copy is whole the disk stays where it was. Refused for a disk a running VM uses (VM_IS_RUNNING) or another " +
            "job holds (DISK_LOCKED), and for the disk's own domain (INVALID_TARGET_DOMAIN). Prints the job's id; with --wait follows it, then shows the disk.")
        { id, domain, wait, json };
        return EngineVerbs.Verb(cmd, configure, async (p, client, ct) =>
        {
            Guid diskId = EngineVerbs.Uuid(p, id, "disk");
            var body = new { storage_domain = new IdRefDto(StorageOptions.Uuid(p.GetValue(domain), "storage domain").ToString()) };
            var answer = await client.SendAsync(HttpMethod.Post, client.Disks.PathOf(diskId, "move"), body, ct).ConfigureAwait(false)
                ?? throw new SanpoolException(EngineClientErrors.Protocol, "the engine accepted the move without saying its job");
            var action = client.As<ActionDto>(answer);
            return await EngineVerbs.FinishActionAsync(
                p, client, answer, action.Job.Id, wait, json, $"job {action.Job.Id}",
                c => client.Disks.GetJsonAsync(diskId, c), EngineText.Details, ct).ConfigureAwait(false);
        });
    }

    private static Option<string> Target(string description) =>
        new("--domain") { Description = description + " See 'sanpool engine domains list'.", HelpName = "SD", Required = true };
}
