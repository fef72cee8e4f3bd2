using System.Text.Json.Nodes;
using Sanpool.Engine.Tests.Hosts;
using Xunit.Abstractions;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>
/// The engine's CLI on real agents over a block pool (root, loop devices, lvm): hosts added by
/// their sockets, a disk created and removed with --wait, each a real job followed to its end
/// with its progress, and a disk the storage cannot hold ends its job FAILED: one line, VG_FULL
/// as the SPM said it, exit 1.
/// </summary>
public sealed class EngineCliPoolTests(ITestOutputHelper output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Disks_create_and_remove_with_wait_follow_real_jobs_to_their_end_and_a_disk_too_large_for_the_storage_exits_1()
    {
        await using var test = await EnginePool.CreateAsync(output, hosts: 2);
        var pool = test.Pool;
        pool.StartAll();
        await pool.WaitForSpmAsync(TimeSpan.FromSeconds(60), null, None);
        await HostsScenarioTests.WaitCheckedAsync(pool);
        await using var engine = await HostsHarness.StartAsync(realAgents: true);
        var cli = new EngineCli(engine.App, password: HostsHarness.AdminPassword);
        foreach (int host in pool.HostIds)
        {
            var added = await cli.RunAsync("hosts", "add", pool.SocketOf(host));
            Assert.True(added.ExitCode == 0, added.ToString());
        }

        await engine.PollAsync();
        var domain = pool.Domains[1].ToString();

        var progress = new CliWriter();
        var created = await cli.RunAsync(
            ["disks", "create", "--domain", domain, "--size", "1G", "--alias", "cli-disk", "--description", "made by the CLI", "--wait"], None, error: progress);
        output.WriteLine(created.ToString());
        output.WriteLine(progress.Text);
        Assert.True(created.ExitCode == 0, created + progress.Text);
        var details = EngineCliTests.Lines(created.Output).Select(EngineCliTests.Words).ToList();
        Assert.Contains(["alias:", "cli-disk"], details);
        Assert.Contains(["status:", "ok"], details);
        Assert.Contains(["volumes:", "1"], details);
        Assert.Contains(["storage_domains:", domain], details);
        Assert.Contains("Adding Disk cli-disk: step 1/1", progress.Text, StringComparison.Ordinal);
        Assert.EndsWith(": 100%", EngineCliTests.Lines(progress.Text)[^1], StringComparison.Ordinal);
        string diskId = details.Single(w => w[0] == "id:")[1];

        var chain = await cli.RunAsync("disks", "chain", diskId);
        Assert.True(chain.ExitCode == 0, chain.ToString());
        Assert.Contains("every view agrees", chain.Output, StringComparison.Ordinal);

        // Larger than the domain's LUN and preallocated: the storage cannot hold it.
        var tooLarge = await cli.RunAsync("disks", "create", "--domain", domain, "--size", "64G", "--format", "raw", "--alias", "too-large", "--wait");
        output.WriteLine(tooLarge.ToString());
        Assert.Equal(1, tooLarge.ExitCode);
        string failed = Assert.Single(EngineCliTests.Lines(tooLarge.Error), l => l.StartsWith("sanpool: ", StringComparison.Ordinal));
        Assert.StartsWith("sanpool: ENGINE_JOB_FAILED (-1104): job ", failed, StringComparison.Ordinal);
        Assert.Contains("(Adding Disk too-large) ended FAILED: Add-Disk operation of too-large failed: VG_FULL (-643)", failed, StringComparison.Ordinal);
        Assert.Equal("", tooLarge.Output);

        var removed = await cli.RunAsync("disks", "remove", diskId, "--wait");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal($"disk {diskId} removed", removed.Output.Trim());
        (await cli.RunAsync("disks", "show", diskId)).AssertOneErrorLine("DISK_NOT_FOUND");

        await CopyMoveAndTemplatesAsync(cli, pool.Domains[1].ToString(), pool.Domains[0].ToString());

        var jobs = JsonNode.Parse((await cli.RunAsync("jobs", "list", "--json")).Output)!.AsArray();
        Assert.Contains(jobs, j => (string)j!["action_type"]! == "AddDisk" && (string)j["status"]! == "finished" && ((string)j["description"]!).Contains("cli-disk", StringComparison.Ordinal));
        Assert.Contains(jobs, j => (string)j!["action_type"]! == "RemoveDisk" && (string)j["status"]! == "finished");
        foreach (string action in new[] { "CopyDisk", "MoveDisk", "AddVmTemplate", "AddVmFromTemplate" })
        {
            Assert.Contains(jobs, j => (string)j!["action_type"]! == action && (string)j["status"]! == "finished");
        }
    }

    /// <summary>
    /// A disk copied to the master domain as a new disk, then moved there itself; a VM of it made
    /// a template, listed and shown; and a VM made from the template: each with --wait, each read
    /// back as the engine shows it after the job.
    /// </summary>
    private async Task CopyMoveAndTemplatesAsync(EngineCli cli, string domain, string master)
    {
        var made = await cli.RunAsync("disks", "create", "--domain", domain, "--size", "1G", "--alias", "cli-src", "--json", "--wait");
        Assert.True(made.ExitCode == 0, made.ToString());
        string source = (string)JsonNode.Parse(made.Output)!["id"]!;

        var progress = new CliWriter();
        var copied = await cli.RunAsync(["disks", "copy", source, "--domain", master, "--alias", "cli-copy", "--wait"], None, error: progress);
        output.WriteLine(copied + progress.Text);
        Assert.True(copied.ExitCode == 0, copied + progress.Text);
        var copy = EngineCliTests.Lines(copied.Output).Select(EngineCliTests.Words).ToList();
        Assert.Contains(["alias:", "cli-copy"], copy);
        Assert.Contains(["status:", "ok"], copy);
        Assert.Contains(["storage_domains:", master], copy);
        Assert.NotEqual(source, copy.Single(w => w[0] == "id:")[1]);
        Assert.EndsWith(": 100%", EngineCliTests.Lines(progress.Text)[^1], StringComparison.Ordinal);
        var started = await cli.RunAsync("disks", "copy", source, "--domain", master);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Matches("^disk [0-9a-f-]{36}\njob [0-9a-f-]{36}$", started.Output.Trim());

        (await cli.RunAsync("disks", "move", source, "--domain", domain)).AssertOneErrorLine("INVALID_TARGET_DOMAIN");
        await WaitIdleAsync(cli);
        var moved = await cli.RunAsync("disks", "move", source, "--domain", master, "--wait");
        Assert.True(moved.ExitCode == 0, moved.ToString());
        var disk = EngineCliTests.Lines(moved.Output).Select(EngineCliTests.Words).ToList();
        Assert.Contains(["id:", source], disk);
        Assert.Contains(["storage_domains:", master], disk);

        var vm = await cli.RunAsync("vms", "define", "cli-vm", "--disk", source);
        Assert.True(vm.ExitCode == 0, vm.ToString());
        string vmId = EngineCliTests.Lines(vm.Output).Select(EngineCliTests.Words).Single(w => w[0] == "id:")[1];
        var usage = await cli.RunAsync("vms", "define", "cli-bad", "--wait");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--wait follows the job of a VM made from a template", usage.Error, StringComparison.Ordinal);
        var created = await cli.RunAsync("templates", "create", "--vm", vmId, "--name", "cli-tpl", "--description", "made by the CLI", "--wait");
        Assert.True(created.ExitCode == 0, created.ToString());
        var template = EngineCliTests.Lines(created.Output).Select(EngineCliTests.Words).ToList();
        Assert.Contains(["name:", "cli-tpl"], template);
        Assert.Contains(["status:", "ok"], template);
        string templateId = template.Single(w => w[0] == "id:")[1];
        var listed = await cli.RunAsync("templates", "list");
        Assert.Contains(EngineCliTests.Lines(listed.Output).Select(EngineCliTests.Words), w => w[0] == "cli-tpl" && w[1] == "OK" && w[^1] == templateId);
        var shown = JsonNode.Parse((await cli.RunAsync("templates", "show", templateId, "--json")).Output)!;
        Assert.Equal("made by the CLI", (string)shown["description"]!);
        Assert.Single(shown["disks"]!.AsArray());

        var clone = await cli.RunAsync("vms", "define", "cli-clone", "--template", templateId, "--json", "--wait");
        Assert.True(clone.ExitCode == 0, clone.ToString());
        var cloned = JsonNode.Parse(clone.Output)!;
        Assert.Equal("cli-clone", (string)cloned["name"]!);
        var cloneDisk = (string)cloned["disks"]![0]!["id"]!;
        Assert.Contains(["status:", "ok"], EngineCliTests.Lines((await cli.RunAsync("disks", "show", cloneDisk)).Output).Select(EngineCliTests.Words));
    }

    /// <summary>Until no job runs (a copy started without --wait holds its source).</summary>
    private static async Task WaitIdleAsync(EngineCli cli)
    {
        for (int i = 0; i < 600; i++)
        {
            var jobs = JsonNode.Parse((await cli.RunAsync("jobs", "list", "--json")).Output)!.AsArray();
            if (jobs.All(j => (string)j!["status"]! != "started"))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("a job never ended");
    }
}
