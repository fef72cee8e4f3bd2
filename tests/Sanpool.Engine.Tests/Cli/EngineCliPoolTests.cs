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

        var jobs = JsonNode.Parse((await cli.RunAsync("jobs", "list", "--json")).Output)!.AsArray();
        Assert.Contains(jobs, j => (string)j!["action_type"]! == "AddDisk" && (string)j["status"]! == "finished" && ((string)j["description"]!).Contains("cli-disk", StringComparison.Ordinal));
        Assert.Contains(jobs, j => (string)j!["action_type"]! == "RemoveDisk" && (string)j["status"]! == "finished");
    }
}
