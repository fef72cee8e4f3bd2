using Sanpool.Core;
using Sanpool.LeaseDaemon.Client;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Tests.Support;
using Sanpool.Leases;
using Sanpool.TestSupport;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests;

/// <summary>Resources live exactly as long as the client process that holds them.</summary>
public sealed class ClientLifetimeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);
    private readonly TempDir _dir = new("leased-life");

    [Fact]
    public async Task A_holder_that_exits_has_its_resource_released_and_another_client_can_acquire_it()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        await host.JoinAsync(area, 1);
        await using var observer = await host.ConnectAsync();
        await using var holder = HolderProcess.Command(host.RunDir, [area.Resource(0)], "/bin/sleep", "600");

        var inquire = await holder.WaitHoldingAsync(observer);
        Assert.Equal($"{area.Resource(0)}:1", inquire.State);
        await Poll.UntilAsync(() => Task.FromResult(holder.Comm == "sleep"), Soon, "the holder to exec sleep"); // the registered process IS the program
        Assert.Equal(inquire.State, (await observer.InquireAsync(holder.Pid, CancellationToken.None)).State); // the connection survived exec
        var held = await area.ReadLeaderAsync(0);
        Assert.Equal((1UL, 1UL), (held.OwnerId, held.Lver));
        Assert.NotEqual(0UL, held.Timestamp);

        holder.Signal(Posix.SIGKILL);
        await holder.WaitForExitAsync(Soon);
        await Poll.UntilAsync(async () => (await area.ReadLeaderAsync(0)).Timestamp == 0, Soon, "the leader to be released");
        Assert.Equal(1UL, (await area.ReadLeaderAsync(0)).Lver); // release keeps lver and owner

        await using var next = await host.ConnectAsync();
        await next.RegisterAsync(null, CancellationToken.None);
        var acquired = await next.AcquireAsync([area.Resource(0)], null, CancellationToken.None);
        Assert.Equal(2UL, Assert.Single(acquired).Lver);
        var status = await observer.StatusAsync(CancellationToken.None);
        Assert.DoesNotContain(status.Clients, c => c.Pid == holder.Pid);
        Assert.Single(Assert.Single(status.Clients, c => c.Pid == Environment.ProcessId).Resources);
    }

    [Fact]
    public async Task A_command_whose_program_cannot_be_executed_fails_and_releases()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        await host.JoinAsync(area, 1);
        await using var holder = HolderProcess.Command(host.RunDir, [area.Resource(0)], "/nonexistent/program");

        await holder.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, holder.ExitCode);
        Assert.Contains("EXEC_FAILED (-412)", holder.Stderr, StringComparison.Ordinal);
        var leader = await area.ReadLeaderAsync(0);
        Assert.Equal((0UL, 1UL), (leader.Timestamp, leader.Lver)); // it was acquired, then released
    }

    [Fact]
    public async Task A_helper_acts_for_a_registered_pid_and_a_busy_lockspace_is_removed_only_by_force()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        await using var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        await host.JoinAsync(area, 1);
        await using var helper = await host.ConnectAsync();
        await using var holder = HolderProcess.Command(host.RunDir, [area.Resource(0)], "/bin/sleep", "600");
        await holder.WaitHoldingAsync(helper);

        await helper.AcquireAsync([area.Resource(1)], new AcquireOptions { Pid = holder.Pid }, CancellationToken.None);
        Assert.Equal($"{area.Resource(0)}:1 {area.Resource(1)}:1", (await helper.InquireAsync(holder.Pid, CancellationToken.None)).State);
        await helper.ReleaseAsync([$"{area.Lockspace}:{LeaseArea.ResourceName(0)}"], holder.Pid, CancellationToken.None);
        Assert.Equal(0UL, (await area.ReadLeaderAsync(0)).Timestamp);
        Assert.Equal($"{area.Resource(1)}:1", (await helper.InquireAsync(holder.Pid, CancellationToken.None)).State);

        var busy = await Assert.ThrowsAsync<SanpoolException>(() => helper.RemLockspaceAsync(area.LockspaceSpec(1), false, CancellationToken.None));
        Assert.Equal(LeaseDaemonErrors.LockspaceBusy, busy.Code);

        await helper.RemLockspaceAsync(area.LockspaceSpec(1), true, CancellationToken.None);
        Assert.True(holder.HasExited);
        Assert.Equal(128 + Posix.SIGTERM, holder.ExitCode);
        Assert.Equal(0UL, (await area.ReadLeaderAsync(1)).Timestamp); // the holder was gone, the lockspace sound: released
        Assert.Equal(0UL, (await area.ReadHostAsync(1)).Timestamp);   // and the host id too
        Assert.Empty((await helper.StatusAsync(CancellationToken.None)).Lockspaces);
    }

    [Fact]
    public async Task Stopping_the_daemon_releases_every_resource_and_leaves_every_lockspace()
    {
        var area = await LeaseArea.CreateAsync(_dir);
        var host = await DaemonHost.StartAsync(_dir, "hostA", output);
        HolderProcess? holder = null;
        try
        {
            await host.JoinAsync(area, 1);
            holder = HolderProcess.Command(host.RunDir, [area.Resource(0)], "/bin/sleep", "600");
            await using var observer = await host.ConnectAsync();
            await holder.WaitHoldingAsync(observer);
        }
        catch
        {
            if (holder is not null)
            {
                await holder.DisposeAsync();
            }

            throw;
        }
        finally
        {
            await host.DisposeAsync();
        }

        await using var stillRunning = holder;
        Assert.Equal(0UL, (await area.ReadLeaderAsync(0)).Timestamp);
        Assert.Equal(0UL, (await area.ReadHostAsync(1)).Timestamp);
        Assert.False(holder.HasExited); // the daemon releases; it does not kill on a clean stop
        Assert.False(File.Exists(LeaseDaemonPaths.Socket(host.RunDir)));
        Assert.False(File.Exists(LeaseDaemonPaths.PidFile(host.RunDir)));
    }

    public void Dispose() => _dir.Dispose();
}
