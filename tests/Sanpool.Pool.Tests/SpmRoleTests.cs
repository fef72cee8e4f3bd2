using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Spm.Structural;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Tests;

/// <summary>
/// The SPM role on real storage (file domains, real leases with O_DIRECT, real qemu-img): one
/// SPM at a time, its lver in the master's metadata, structural verbs only on the SPM, as tasks.
/// Failover after kill -9 and SIGSTOP is tested with agents as processes (Sanpool.Agent.Tests).
/// </summary>
public sealed class SpmRoleTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task One_SPM_at_a_time_and_each_start_takes_the_next_lver()
    {
        await using var pool = await TestPool.CreateAsync();
        var host1 = await pool.HostAsync(1);
        var host2 = await pool.HostAsync(2);

        var first = await host1.StartAsync(None);
        Assert.Equal(new SpmStatus(SpmState.Spm, 1, first.Lver), first);
        Assert.True(first.Lver >= 1);
        Assert.Equal((1, first.Lver), await PoolKeysAsync(host2));

        var busy = await Assert.ThrowsAsync<SanpoolException>(() => host2.StartAsync(None));
        Assert.Equal(Storage.StorageErrors.DomainBusy, busy.Code);
        Assert.Equal(SpmState.Free, host2.State);
        Assert.Equal(new SpmStatus(SpmState.Free, 1, first.Lver), await host2.StatusAsync(None));

        await host1.StopAsync(None);
        Assert.Equal((-1, first.Lver), await PoolKeysAsync(host2));
        var second = await host2.StartAsync(None);
        Assert.Equal(first.Lver + 1, second.Lver);
        Assert.Equal((2, second.Lver), await PoolKeysAsync(host1));
    }

    [Fact]
    public async Task A_structural_verb_on_a_host_that_is_not_SPM_is_refused_naming_the_SPM_and_nothing_is_written()
    {
        await using var pool = await TestPool.CreateAsync();
        var host1 = await pool.HostAsync(1);
        var host2 = await pool.HostAsync(2);
        await host1.StartAsync(None);
        var args = new Dictionary<string, string> { ["domain"] = pool.Master.ToString(), ["size"] = "1048576" };

        var e = await Assert.ThrowsAsync<SanpoolException>(() => StructuralVerbs.SubmitAsync(host2, "image.create", args, None));
        Assert.Equal(PoolErrors.NotSpm, e.Code);
        Assert.Contains("the SPM is host 1", e.Message, StringComparison.Ordinal);
        Assert.Empty(host1.Tasks.List());
        await using var store = await pool.Locator.OpenAsync(pool.Master, new QemuImg(), Path.GetTempPath(), None);
        Assert.Empty(await store.ListAsync(None));
    }

    [Fact]
    public async Task Structural_verbs_run_as_persisted_tasks_that_keep_their_result_until_cleared()
    {
        await using var pool = await TestPool.CreateAsync();
        var host1 = await pool.HostAsync(1);
        await host1.StartAsync(None);
        var image = Guid.NewGuid();

        var task = await StructuralVerbs.SubmitAsync(host1, "image.create", new Dictionary<string, string>
        {
            ["domain"] = pool.Second.ToString(), ["image"] = image.ToString(), ["size"] = "16777216", ["format"] = "cow",
        }, None);
        var done = await host1.Tasks.WaitAsync(task.Id, None);
        Assert.Equal(TaskState.Finished, done.State);
        Assert.Contains(image.ToString(), done.Result, StringComparison.Ordinal);

        var snapshot = await host1.Tasks.WaitAsync((await StructuralVerbs.SubmitAsync(host1, "snapshot.create", new Dictionary<string, string>
        {
            ["domain"] = pool.Second.ToString(), ["image"] = image.ToString(),
        }, None)).Id, None);
        Assert.Equal(TaskState.Finished, snapshot.State);

        // A failing verb is a Failed task with the operation's error; its undo ran. (Queued
        // behind a claim on its image, the snapshot is not checked before it is made a task.)
        var missing = Guid.NewGuid();
        TaskRecord doomed;
        using (host1.Resources.Claim("test: the image held", [ResourceRequest.Exclusive(ResourceKey.OfImage(pool.Second, missing))]))
        {
            doomed = await StructuralVerbs.SubmitAsync(host1, "snapshot.create", new Dictionary<string, string>
            {
                ["domain"] = pool.Second.ToString(), ["image"] = missing.ToString(),
            }, None);
        }

        var failed = await host1.Tasks.WaitAsync(doomed.Id, None);
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Contains("IMAGE_NOT_FOUND", failed.Error, StringComparison.Ordinal);

        // The tasks are on storage: the next SPM sees them, results and all.
        await host1.StopAsync(None);
        var host2 = await pool.HostAsync(2);
        await host2.StartAsync(None);
        var seen = host2.Tasks.List().ToDictionary(t => t.Id);
        Assert.Equal(3, seen.Count);
        Assert.Equal(done with { Args = seen[task.Id].Args }, seen[task.Id]);
        Assert.Equal(TaskState.Finished, seen[snapshot.Id].State);
        Assert.Equal(failed.Error, seen[failed.Id].Error);
        await host2.Tasks.ClearAsync(task.Id, None);
        Assert.Equal(2, host2.Tasks.List().Count);
        await using var store = await pool.Locator.OpenAsync(pool.Second, new QemuImg(), Path.GetTempPath(), None);
        Assert.Equal(2, (await store.ListAsync(None)).Count);
    }

    [Fact]
    public async Task A_task_whose_body_throws_something_unexpected_ends_Failed_not_Running_forever()
    {
        await using var pool = await TestPool.CreateAsync();
        var host1 = await pool.HostAsync(1);
        await host1.StartAsync(None);
        var task = await host1.Tasks.SubmitAsync("test.throw", [], new TaskPlan([], _ => Task.FromException<string>(new InvalidOperationException("boom"))), wait: true, None);

        var ended = await host1.Tasks.WaitAsync(task.Id, None);
        Assert.Equal(TaskState.Failed, ended.State);
        Assert.Equal("InvalidOperationException: boom", ended.Error);
        Assert.Empty(host1.Tasks.Running);
    }

    [Theory]
    [InlineData("image.create", "domain", "not-a-uuid")]
    [InlineData("image.create", "size", "-5")]
    [InlineData("image.create", "format", "qcow3")]
    [InlineData("snapshot.create", "image", "../../etc")]
    [InlineData("snapshot.create", "colour", "blue")]
    [InlineData("volume.delete", "volume", "")]
    public async Task Bad_arguments_are_refused_before_any_task_is_made(string verb, string name, string value)
    {
        await using var pool = await TestPool.CreateAsync();
        var host1 = await pool.HostAsync(1);
        await host1.StartAsync(None);
        var args = new Dictionary<string, string>
        {
            ["domain"] = pool.Master.ToString(), ["image"] = Guid.NewGuid().ToString(), ["volume"] = Guid.NewGuid().ToString(), ["size"] = "1048576",
        };
        if (verb == "snapshot.create")
        {
            args.Remove("size");
        }

        if (verb == "volume.delete")
        {
            args.Remove("size");
        }

        args[name] = value;
        var e = await Assert.ThrowsAsync<SanpoolException>(() => StructuralVerbs.SubmitAsync(host1, verb, args, None));
        Assert.Equal(CommonErrors.InvalidArgument, e.Code);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Empty(host1.Tasks.List());
    }

    [Fact]
    public async Task A_host_expecting_another_master_version_is_refused_with_WRONG_MASTER()
    {
        await using var pool = await TestPool.CreateAsync();
        var e = await Assert.ThrowsAsync<SanpoolException>(() => PoolHost.ConnectAsync(pool.Options(1) with { MasterVersion = 7 }, new QemuImg(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, None));
        Assert.Equal(PoolErrors.WrongMaster, e.Code);
        Assert.Contains("MASTER_VERSION 1, this host expects 7", e.Message, StringComparison.Ordinal);

        var wrongPool = await Assert.ThrowsAsync<SanpoolException>(() => PoolHost.ConnectAsync(pool.Options(1) with { Pool = Guid.NewGuid() }, new QemuImg(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, None));
        Assert.Equal(PoolErrors.WrongMaster, wrongPool.Code);
    }

    private static async Task<(int, long)> PoolKeysAsync(SpmRole any)
    {
        var p = await any.Host.ReadPoolAsync(None);
        return (p.SpmId, p.SpmLver);
    }
}
