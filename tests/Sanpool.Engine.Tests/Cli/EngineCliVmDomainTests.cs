using System.CommandLine;
using System.Text.Json.Nodes;
using Sanpool.Cli.Commands;
using Sanpool.Engine.Tests.Hosts;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>
/// <c>sanpool engine vms ...</c> and <c>sanpool engine domains attach|detach|deactivate|activate</c>:
/// their help, and (root, loop devices, lvm) on real agents over a block pool, a VM defined,
/// snapshotted and its snapshot removed with --wait, then its disk's domain taken through
/// maintenance, detached and attached again, each step read back from the engine; a refusal is
/// one error line with the engine's code, exit 1.
/// </summary>
public sealed class EngineCliVmDomainTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("vms", new[] { "list", "show", "define", "snapshots", "snapshot", "remove-snapshot", "start", "stop" })]
    [InlineData("disks", new[] { "list", "show", "create", "remove", "copy", "move", "chain", "reconcile" })]
    [InlineData("templates", new[] { "list", "show", "create" })]
    [InlineData("domains", new[] { "list", "show", "disks", "attach", "detach", "deactivate", "activate", "make-master" })]
    public async Task Help_lists_every_verb_with_what_it_does(string group, string[] verbs)
    {
        var help = await HelpAsync("engine", group, "--help");
        foreach (string verb in verbs)
        {
            Assert.Contains(EngineCliTests.Lines(help), l => l.StartsWith(verb + " ", StringComparison.Ordinal) && l.Length > verb.Length + 10);
        }

        string snapshot = await HelpAsync("engine", "vms", "snapshot", "--help");
        Assert.Contains("--description", snapshot, StringComparison.Ordinal);
        Assert.Contains("--wait", snapshot, StringComparison.Ordinal);
        Assert.Contains("all the disks or none", snapshot, StringComparison.Ordinal);
        string start = await HelpAsync("engine", "vms", "start", "--help");
        Assert.Contains("--host", start, StringComparison.Ordinal);
        Assert.Contains("--wait", start, StringComparison.Ordinal);
        Assert.Contains("VMS_NOT_CONFIGURED", start, StringComparison.Ordinal);
        Assert.Contains("--wait", await HelpAsync("engine", "vms", "stop", "--help"), StringComparison.Ordinal);
        string move = await HelpAsync("engine", "disks", "move", "--help");
        Assert.Contains("--domain", move, StringComparison.Ordinal);
        Assert.Contains("INVALID_TARGET_DOMAIN", move, StringComparison.Ordinal);
        string define = await HelpAsync("engine", "vms", "define", "--help");
        Assert.Contains("--template", define, StringComparison.Ordinal);
        Assert.Contains("thin clone", define, StringComparison.Ordinal);
        string template = await HelpAsync("engine", "templates", "create", "--help");
        Assert.Contains("--vm", template, StringComparison.Ordinal);
        Assert.Contains("--wait", template, StringComparison.Ordinal);
        string detach = await HelpAsync("engine", "domains", "detach", "--help");
        Assert.Contains("--datacenter", detach, StringComparison.Ordinal);
        Assert.Contains("STORAGE_DOMAIN_IS_MASTER", detach, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_VM_is_snapshotted_and_its_domain_detached_and_attached_again_through_the_CLI_each_step_read_back()
    {
        await using var test = await EnginePool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        await using var engine = await Jobs.DiskJobScenarioTests.StartAsync(pool);
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);
        string domain = pool.Domains[1].ToString();
        string master = pool.Domains[0].ToString();

        var created = await cli.RunAsync("disks", "create", "--domain", domain, "--size", "1G", "--alias", "vmdisk", "--json", "--wait");
        Assert.True(created.ExitCode == 0, created.ToString());
        string disk = (string)JsonNode.Parse(created.Output)!["id"]!;

        // define, list, show
        var defined = await cli.RunAsync("vms", "define", "TestVM", "--disk", disk, "--memory", "512");
        Assert.True(defined.ExitCode == 0, defined.ToString());
        var details = EngineCliTests.Lines(defined.Output).Select(EngineCliTests.Words).ToList();
        Assert.Contains(["name:", "TestVM"], details);
        Assert.Contains(["memory_mb:", "512"], details);
        string vm = details.Single(w => w[0] == "id:")[1];
        var listed = await cli.RunAsync("vms", "list");
        Assert.Contains(EngineCliTests.Lines(listed.Output).Select(EngineCliTests.Words), w => w[0] == "TestVM" && w[1] == "Down" && w[^2] == disk && w[^1] == vm);
        Assert.Contains(["status:", "down"], EngineCliTests.Lines((await cli.RunAsync("vms", "show", vm)).Output).Select(EngineCliTests.Words));

        // snapshot --wait: the table after it has the snapshot, then the Active VM on the new leaf.
        var progress = new CliWriter();
        var snapped = await cli.RunAsync(["vms", "snapshot", vm, "--description", "volumechain1", "--wait"], None, error: progress);
        output.WriteLine(snapped.ToString());
        Assert.True(snapped.ExitCode == 0, snapped + progress.Text);
        var rows = EngineCliTests.Lines(snapped.Output).Skip(1).Select(EngineCliTests.Words).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["volumechain1", "REGULAR", "OK"], rows[0][..3]);
        Assert.Equal(["Active", "VM", "ACTIVE", "OK"], rows[1][..4]);
        var snapshots = JsonNode.Parse((await cli.RunAsync("vms", "snapshots", vm, "--json")).Output)!.AsArray();
        string snapshot = (string)snapshots.Single(s => (string)s!["description"]! == "volumechain1")!["id"]!;
        Assert.Equal(2, (await Jobs.DiskJobScenarioTests.ChainOnStorageAsync(pool, pool.Domains[1], Guid.Parse(disk))).Count);

        // remove-snapshot --wait: the chain is one volume again, on storage and in the list.
        var merged = await cli.RunAsync("vms", "remove-snapshot", vm, snapshot, "--wait");
        Assert.True(merged.ExitCode == 0, merged.ToString());
        Assert.DoesNotContain("volumechain1", merged.Output, StringComparison.Ordinal);
        Assert.Single(await Jobs.DiskJobScenarioTests.ChainOnStorageAsync(pool, pool.Domains[1], Guid.Parse(disk)));

        // Refusals: one line each, the engine's code.
        (await cli.RunAsync("domains", "deactivate", master)).AssertOneErrorLine("STORAGE_DOMAIN_IS_MASTER");
        (await cli.RunAsync("domains", "detach", domain)).AssertOneErrorLine("STORAGE_DOMAIN_STATE_CONFLICT");
        (await cli.RunAsync("domains", "attach", domain)).AssertOneErrorLine("STORAGE_DOMAIN_ATTACHED");

        // deactivate / activate / deactivate with --wait: the domain as the engine shows it after each.
        Assert.Contains(["status:", "maintenance"], await DomainStepAsync(cli, "deactivate", domain));
        Assert.Contains(["status:", "active"], await DomainStepAsync(cli, "activate", domain));
        Assert.Contains(["status:", "maintenance"], await DomainStepAsync(cli, "deactivate", domain));

        // The VM's disk keeps its domain from detaching; without the VM's claim (removed by hand here) it detaches and attaches back.
        (await cli.RunAsync("domains", "detach", domain)).AssertOneErrorLine("STORAGE_DOMAIN_IN_USE");
        await engine.Db.TransactAsync(s => s.ExecuteAsync("DELETE FROM disk_vm_element WHERE vm_id = @vm", new { vm = Guid.Parse(vm) }, None), None);
        var detached = await DomainStepAsync(cli, "detach", domain);
        Assert.DoesNotContain(detached, w => w[0] == "status:" || w[0] == "data_center:");
        (await cli.RunAsync("disks", "show", disk)).AssertOneErrorLine("DISK_NOT_FOUND");
        var attached = await DomainStepAsync(cli, "attach", domain);
        Assert.Contains(["status:", "active"], attached);
        Assert.Contains(["data_center:", pool.Pool.ToString()], attached);
        Assert.Contains(["alias:", "vmdisk"], EngineCliTests.Lines((await cli.RunAsync("disks", "show", disk)).Output).Select(EngineCliTests.Words));

        var jobs = JsonNode.Parse((await cli.RunAsync("jobs", "list", "--json")).Output)!.AsArray();
        foreach (string action in new[] { "DeactivateStorageDomain", "ActivateStorageDomain", "DetachStorageDomainFromPool", "AttachStorageDomainToPool", "CreateSnapshot" })
        {
            Assert.Contains(jobs, j => ((string)j!["action_type"]!).StartsWith(action, StringComparison.Ordinal) && (string)j["status"]! == "finished");
        }
    }

    private static async Task<List<string[]>> DomainStepAsync(EngineCli cli, string verb, string domain)
    {
        var run = await cli.RunAsync("domains", verb, domain, "--wait");
        Assert.True(run.ExitCode == 0, $"domains {verb}: {run}");
        return [.. EngineCliTests.Lines(run.Output).Select(EngineCliTests.Words)];
    }

    private static async Task<string> HelpAsync(params string[] args)
    {
        var root = new RootCommand { EngineCommands.Create() };
        var writer = new CliWriter();
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = writer, Error = new CliWriter() }, None);
        Assert.Equal(0, code);
        return writer.Text;
    }
}
