namespace Sanpool.TestSupport.Tests;

/// <summary>Needs root and sanlock: runs one real daemon (no watchdog) for a few seconds.</summary>
public sealed class SanlockDaemonTests
{
    [Fact]
    public async Task Runs_a_daemon_that_holds_a_lease_for_a_command_and_stops_everything_on_dispose()
    {
        using var dir = new TempDir("sanlock");
        string ids = dir.CreateSparseFile("ids", 1024 * 1024);
        string leases = dir.CreateSparseFile("leases", 1024 * 1024);
        (await ToolRunner.RunAsync("sanlock", ["direct", "init", "-s", $"LS:0:{ids}:0", "-o", "1"])).EnsureSuccess();
        (await ToolRunner.RunAsync("sanlock", ["direct", "init", "-r", $"LS:R1:{leases}:0"])).EnsureSuccess();

        int daemonPid;
        int holderPid;
        await using (var daemon = await SanlockDaemon.StartAsync("hostT"))
        {
            daemonPid = daemon.Pid;
            await daemon.AddLockspaceAsync($"LS:1:{ids}:0", ioTimeout: 1);
            var holder = await daemon.StartCommandAsync($"LS:R1:{leases}:0", "/bin/sleep", "600");
            holderPid = holder.Id;

            Assert.True(await SanlockDaemon.WaitUntilHeldAsync(holder, TimeSpan.FromSeconds(30)), daemon.Log);
            string status = await daemon.StatusAsync();
            Assert.Contains($"s LS:1:{ids}:0", status, StringComparison.Ordinal);
            Assert.Contains($"r LS:R1:{leases}:0", status, StringComparison.Ordinal);
        }

        Assert.False(IsRunning(holderPid), "the lease holder outlived dispose");
        Assert.False(IsRunning(daemonPid), "the daemon outlived dispose");
    }

    private static bool IsRunning(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try
        {
            return File.Exists(stat) && File.ReadAllText(stat).Split(' ')[2] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
