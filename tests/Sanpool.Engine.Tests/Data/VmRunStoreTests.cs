using Sanpool.Core;
using Sanpool.Engine.Model;
using Sanpool.Engine.Tests.Jobs;

namespace Sanpool.Engine.Tests.Data;

/// <summary>
/// A VM's run state on both databases: a start's and a stop's rows (WaitForLaunch, PoweringDown
/// with the job), their ends, and the monitor's compare and set, which a state changed since
/// it read it does not overwrite.
/// </summary>
[Collection(OnePostgresServer.Name)]
public sealed class VmRunStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [BothDatabases]
    public async Task A_start_and_a_stop_lock_the_VM_by_its_run_state_and_the_monitor_never_undoes_them(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider, postgres);
        var db = test.Database;
        var host = Sample.Host("host1");
        await db.Hosts.InsertAsync(host, None);
        var vm = Sample.Vm("vm1");
        await db.Vms.InsertAsync(vm, Guid.NewGuid(), None);
        var disk = Sample.Disk("boot");
        var domain = Sample.Domain();
        await db.Pools.InsertDomainAsync(domain, None);
        await db.Disks.InsertAsync(disk, [Sample.BaseImage(disk.DiskId, null)], domain.Id, None);
        await db.Vms.AttachDiskAsync(new DiskVmElement(disk.DiskId, vm.VmGuid, true, DiskInterface.VirtIO), None);

        // Start: WaitForLaunch on the host, the job holding the VM and its disk.
        var start = DiskJobScenarioTests.NewJob("RunVm", "Launching VM vm1", db);
        await db.VmRuns.BeginStartAsync(start, DiskJobScenarioTests.NewStep(start, db), vm.VmGuid, [disk.DiskId], host.VdsId, None);
        Assert.Equal(new VmDynamic(vm.VmGuid, VmStatus.WaitForLaunch, host.VdsId, null, test.Clock.Now), await db.Vms.GetDynamicAsync(vm.VmGuid, None));
        Assert.Equal(start.JobId, (await db.Jobs.RunningJobOfAsync(disk.DiskId, None))!.JobId);
        var again = DiskJobScenarioTests.NewJob("RunVm", "again", db);
        var e = await Assert.ThrowsAsync<SanpoolException>(() => db.VmRuns.BeginStartAsync(again, DiskJobScenarioTests.NewStep(again, db), vm.VmGuid, [disk.DiskId], host.VdsId, None));
        Assert.Equal((EngineErrors.VmNotDown, "VM vm1 is WaitForLaunch on host host1: it can start only when Down"), (e.Code, e.Message));
        e = await Assert.ThrowsAsync<SanpoolException>(() => db.VmRuns.BeginStopAsync(again, DiskJobScenarioTests.NewStep(again, db), vm.VmGuid, None));
        Assert.Equal(EngineErrors.VmLocked, e.Code);
        Assert.Contains(start.JobId.ToString(), e.Message, StringComparison.Ordinal);

        // Up: the monitor sees it; its compare and set takes Paused, not over a state changed since.
        await db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Up, host.VdsId, null, null, None);
        await db.Jobs.EndJobAsync(start.JobId, JobExecutionStatus.FINISHED, None);
        var seen = Assert.Single(await db.Vms.ListRunningAsync(None));
        Assert.Equal((VmStatus.Up, (Guid?)host.VdsId), (seen.Status, seen.RunOnVds));
        Assert.True(await db.Vms.TrySetRunStateAsync(seen, VmStatus.Paused, "ENOSPC", null, None));
        Assert.False(await db.Vms.TrySetRunStateAsync(seen, VmStatus.Down, null, "stale", None));
        Assert.Equal((VmStatus.Paused, "ENOSPC"), await StateAsync(db, vm.VmGuid));

        // Stop: PoweringDown, its host returned; the monitor's view from before is not written over it.
        var paused = (await db.Vms.GetDynamicAsync(vm.VmGuid, None))!;
        var stop = DiskJobScenarioTests.NewJob("StopVm", "Stopping VM vm1", db);
        Assert.Equal(host.VdsId, await db.VmRuns.BeginStopAsync(stop, DiskJobScenarioTests.NewStep(stop, db), vm.VmGuid, None));
        Assert.False(await db.Vms.TrySetRunStateAsync(paused, VmStatus.Up, null, null, None));
        Assert.Equal((VmStatus.PoweringDown, "ENOSPC"), await StateAsync(db, vm.VmGuid));
        test.Clock.Advance(TimeSpan.FromMinutes(1));
        await db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Down, host.VdsId, "ENOSPC", "stopped by a user on host host1", None);
        await db.Jobs.EndJobAsync(stop.JobId, JobExecutionStatus.FINISHED, None);
        Assert.Equal(
            new VmDynamic(vm.VmGuid, VmStatus.Down, null, null, test.Clock.Now.AddMinutes(-1), test.Clock.Now, "stopped by a user on host host1"),
            await db.Vms.GetDynamicAsync(vm.VmGuid, None));
        Assert.Empty(await db.Vms.ListRunningAsync(None));
        e = await Assert.ThrowsAsync<SanpoolException>(() => db.VmRuns.BeginStopAsync(again, DiskJobScenarioTests.NewStep(again, db), vm.VmGuid, None));
        Assert.Equal(EngineErrors.VmNotRunning, e.Code);

        // The monitor's Down: the host and pause go, why and when stay.
        await db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Up, host.VdsId, null, null, None);
        seen = Assert.Single(await db.Vms.ListRunningAsync(None));
        Assert.True(await db.Vms.TrySetRunStateAsync(seen, VmStatus.Down, null, "the guest powered off on host host1", None));
        var down = (await db.Vms.GetDynamicAsync(vm.VmGuid, None))!;
        Assert.Equal((VmStatus.Down, null, null, "the guest powered off on host host1"), (down.Status, down.RunOnVds, down.PauseReason, down.ExitMessage));

        // A VM whose host is removed keeps its status without a host: still listed, and the monitor's Down takes.
        await db.VmRuns.EndAsync(vm.VmGuid, VmStatus.Up, host.VdsId, null, null, None);
        Assert.True(await db.Hosts.RemoveAsync(host.VdsId, None));
        seen = Assert.Single(await db.Vms.ListRunningAsync(None));
        Assert.Equal((VmStatus.Up, (Guid?)null), (seen.Status, seen.RunOnVds));
        Assert.True(await db.Vms.TrySetRunStateAsync(seen, VmStatus.Down, null, "its host was removed from the engine", None));
        Assert.Empty(await db.Vms.ListRunningAsync(None));
    }

    private static async Task<(VmStatus, string?)> StateAsync(Sanpool.Engine.Data.EngineDatabase db, Guid vmId)
    {
        var run = (await db.Vms.GetDynamicAsync(vmId, None))!;
        return (run.Status, run.PauseReason);
    }
}
