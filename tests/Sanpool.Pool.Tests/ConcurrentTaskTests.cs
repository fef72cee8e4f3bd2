using Sanpool.Api.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Pool.Resources;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Spm.Structural;
using Sanpool.Pool.Tasks;
using Sanpool.Storage;
using Sanpool.Storage.Check;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Tests;

/// <summary>
/// The SPM under many requests at once, in process, on file and block pools: tasks on one image
/// queue in submission order and say what they wait for, wait:false is refused naming the
/// holder, tasks on different images run together, and a mailbox extension never interleaves
/// with a structural task on its image.
/// </summary>
public sealed class ConcurrentTaskTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("file")]
    [InlineData("block")]
    public async Task Twenty_snapshots_submitted_at_once_on_one_image_make_one_linear_chain_in_submission_order(string kind)
    {
        await using var pool = await TestPool.CreateAsync(kind);
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var (image, baseVolume) = await CreateImageAsync(spm, pool.Second);

        var volumes = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        var submitted = new List<TaskRecord>();
        foreach (var volume in volumes)
        {
            submitted.Add(await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, image, ("volume", volume.ToString())), None));
        }

        // All but the first wait their turn, and say for what.
        var queued = submitted.Skip(1).Select(t => spm.Tasks.Get(t.Id)).Where(t => t.State == TaskState.Queued).ToList();
        Assert.NotEmpty(queued);
        Assert.All(queued, t => Assert.Matches($"^image {image} of domain {pool.Second}, held by task [0-9a-f-]{{36}} \\(snapshot.create\\)$", t.Waiting));

        foreach (var task in submitted)
        {
            var done = await spm.Tasks.WaitAsync(task.Id, None);
            Assert.True(done.State == TaskState.Finished, $"{done.Id}: {done.State} {done.Error}");
            Assert.Null(done.Waiting);
        }

        var store = await pool.StoreAsync(pool.Second);
        store.Refresh();
        var chain = (await DomainInventory.LoadAsync(store, None)).ChainOf(image);
        Assert.Equal([baseVolume, .. volumes], chain.Select(v => v.Id));
        Assert.Equal([.. Enumerable.Repeat(VolumeRole.INTERNAL, 20), VolumeRole.LEAF], chain.Select(v => v.Md.Role));
        Assert.Empty(await DomainCheck.RunAsync(store, None));
    }

    [Fact]
    public async Task A_request_sure_to_fail_is_refused_at_once_with_no_task_made_and_one_queued_behind_the_task_that_makes_it_possible_runs()
    {
        await using var pool = await TestPool.CreateAsync();
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var (image, baseVolume) = await CreateImageAsync(spm, pool.Second);
        var (other, _) = await CreateImageAsync(spm, pool.Second);
        var top = Guid.NewGuid();
        await RunAsync(spm, "snapshot.create", Args(pool.Second, image, ("volume", top.ToString())));
        int tasks = spm.Tasks.List().Count;
        var missing = Guid.NewGuid();

        // Each refused by the operation's own check before any task exists, naming what is wrong.
        await AssertRefusedAsync(StorageErrors.ImageNotFound, $"no image {missing}", "snapshot.create", Args(pool.Second, missing));
        await AssertRefusedAsync(StorageErrors.ImageNotFound, $"no image {missing}", "image.copy", Args(pool.Second, missing, ("target_domain", pool.Master.ToString())));
        await AssertRefusedAsync(StorageErrors.ImageNotFound, $"no image {missing}", "template.create", Args(pool.Second, missing));
        await AssertRefusedAsync(StorageErrors.VolumeNotFound, $"no volume {missing} in image {image}", "volume.delete", Args(pool.Second, image, ("volume", missing.ToString())));
        await AssertRefusedAsync(StorageErrors.VolumeInUse, $"volume {baseVolume} is the parent of {image}/{top}", "volume.delete", Args(pool.Second, image, ("volume", baseVolume.ToString())));
        await AssertRefusedAsync(CommonErrors.InvalidArgument, $"volume {top} is not the parent of {baseVolume}", "image.merge",
            Args(pool.Second, image, ("base", top.ToString()), ("top", baseVolume.ToString())));
        await AssertRefusedAsync(StorageErrors.ImageExists, $"image {other} already exists", "image.create",
            Args(pool.Second, other, ("size", "16777216"), ("format", "cow")));
        await AssertRefusedAsync(CommonErrors.InvalidArgument, $"volume {top} already exists", "snapshot.create", Args(pool.Second, other, ("volume", top.ToString())));
        Assert.Equal(tasks, spm.Tasks.List().Count);

        // Behind a task that holds the image, nothing is decided before its turn: a snapshot of
        // an image still being made waits for it and runs.
        var made = Guid.NewGuid();
        var creating = await StructuralVerbs.SubmitAsync(spm, "image.create", Args(pool.Second, made, ("size", "16777216"), ("format", "cow")), None);
        var snapshot = await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, made), None);
        Assert.Equal(TaskState.Finished, (await spm.Tasks.WaitAsync(creating.Id, None)).State);
        var done = await spm.Tasks.WaitAsync(snapshot.Id, None);
        Assert.True(done.State == TaskState.Finished, $"{done.State} {done.Error}");

        async Task AssertRefusedAsync(ErrorCode code, string says, string verb, Dictionary<string, string> args)
        {
            var e = await Assert.ThrowsAsync<SanpoolException>(() => StructuralVerbs.SubmitAsync(spm, verb, args, None));
            Assert.Equal(code, e.Code);
            Assert.Contains(says, e.Message, StringComparison.Ordinal);
            Assert.Equal(0, spm.Resources.WaitingCount);
            Assert.Empty(spm.Resources.HoldersOf(ResourceKey.OfImage(pool.Second, Guid.Parse(args["image"]))));
        }
    }

    [Fact]
    public async Task A_request_that_asks_not_to_wait_is_refused_with_IMAGE_BUSY_naming_the_task_that_holds_the_image()
    {
        await using var pool = await TestPool.CreateAsync();
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var (image, _) = await CreateImageAsync(spm, pool.Second);
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = await spm.Tasks.SubmitAsync("test.hold", [], new TaskPlan([ResourceRequest.Exclusive(ResourceKey.OfImage(pool.Second, image))], _ => gate.Task), wait: true, None);
        int before = spm.Tasks.List().Count;

        var busy = await Assert.ThrowsAsync<SanpoolException>(() => StructuralVerbs.SubmitAsync(spm, "snapshot.create",
            Args(pool.Second, image, ("wait", "false")), None));
        Assert.Equal(PoolErrors.ImageBusy, busy.Code);
        Assert.True(busy.IsTransient);
        Assert.Equal($"snapshot.create not started (wait: false): image {image} of domain {pool.Second}, held by task {holder.Id} (test.hold)", busy.Message);
        Assert.Equal(before, spm.Tasks.List().Count);

        // Another image of the same domain is not held up, with or without waiting.
        var (other, _) = await CreateImageAsync(spm, pool.Second);
        var snapshot = await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, other, ("wait", "false")), None);
        Assert.Equal(TaskState.Finished, (await spm.Tasks.WaitAsync(snapshot.Id, None)).State);
        Assert.Equal(TaskState.Running, spm.Tasks.Get(holder.Id).State);

        // wait must be true or false.
        var bad = await Assert.ThrowsAsync<SanpoolException>(() => StructuralVerbs.SubmitAsync(spm, "snapshot.create",
            Args(pool.Second, image, ("wait", "maybe")), None));
        Assert.Equal(CommonErrors.InvalidArgument, bad.Code);

        gate.SetResult("held");
        Assert.Equal(TaskState.Finished, (await spm.Tasks.WaitAsync(holder.Id, None)).State);
        var now = await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, image, ("wait", "false")), None);
        Assert.Equal(TaskState.Finished, (await spm.Tasks.WaitAsync(now.Id, None)).State);
    }

    [Fact]
    public async Task A_failed_task_keeps_its_stable_error_code_name_and_transient_flag()
    {
        await using var pool = await TestPool.CreateAsync();
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        // Queued behind a claim on its image, the snapshot is made a task and meets its error in its turn.
        var missing = Guid.NewGuid();
        TaskRecord doomed;
        using (spm.Resources.Claim("test: the image held", [ResourceRequest.Exclusive(ResourceKey.OfImage(pool.Second, missing))]))
        {
            doomed = await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, missing), None);
        }

        var failed = await spm.Tasks.WaitAsync(doomed.Id, None);
        Assert.Equal(TaskState.Failed, failed.State);
        Assert.Equal("IMAGE_NOT_FOUND", failed.ErrorName);
        Assert.Equal(StorageErrorsCode("IMAGE_NOT_FOUND"), failed.ErrorCode);
        Assert.Null(failed.Transient);

        // As stored: the next SPM reads the same fields.
        await spm.StopAsync(None);
        var next = await pool.HostAsync(2);
        await next.StartAsync(None);
        var seen = next.Tasks.Get(failed.Id);
        Assert.Equal((failed.ErrorCode, failed.ErrorName, failed.Error), (seen.ErrorCode, seen.ErrorName, seen.Error));
    }

    [Fact]
    public async Task The_same_extension_asked_eight_times_at_once_grows_the_LV_once()
    {
        await using var pool = await TestPool.CreateAsync("block");
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var (_, volume) = await CreateImageAsync(spm, pool.Second, 1L << 30);
        var log = new Mailbox.CapturingLogger();
        var extender = new VolumeExtender(spm, log);

        // As a new SPM reads a host's old slot while the host asks again in another one.
        var sizes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => extender.ExtendAsync(7, pool.Second, volume, 512, None))));

        Assert.All(sizes, size => Assert.Equal(512, size));
        Assert.Equal(1, log.Count(852));
        Assert.Equal(7, log.Count(853));
        var store = await pool.StoreAsync(pool.Second);
        store.Refresh();
        Assert.Equal(512L << 20, (await store.ListAsync(None)).Single(v => v.Volume == volume).Size);
    }

    [Fact]
    public async Task An_extension_waits_for_a_delete_of_its_volume_and_then_does_not_bring_it_back()
    {
        await using var pool = await TestPool.CreateAsync("block");
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var (image, baseVolume) = await CreateImageAsync(spm, pool.Second, 1L << 30);
        var leaf = Guid.NewGuid();
        await RunAsync(spm, "snapshot.create", Args(pool.Second, image, ("volume", leaf.ToString())));
        var extender = new VolumeExtender(spm, NullLogger.Instance);
        var store = await pool.StoreAsync(pool.Second);

        // A task holds the image: the extension of its leaf waits for it...
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deleting = await spm.Tasks.SubmitAsync("test.delete-leaf", [], new TaskPlan([ResourceRequest.Exclusive(ResourceKey.OfImage(pool.Second, image))],
            async t =>
            {
                await gate.Task;
                await DeleteVolume.RunAsync(await spm.WriterAsync(pool.Second, t.CancellationToken), image, leaf, t.CancellationToken);
                return "deleted";
            }), wait: true, None);
        var extension = extender.ExtendAsync(7, pool.Second, leaf, 1024, None);
        await Task.Delay(500);
        Assert.False(extension.IsCompleted);
        Assert.Equal(1, spm.Resources.WaitingCount);

        // ... and, the leaf deleted meanwhile, fails (0) instead of growing what is gone.
        gate.SetResult();
        Assert.Equal(TaskState.Finished, (await spm.Tasks.WaitAsync(deleting.Id, None)).State);
        Assert.Equal(0, await extension);
        store.Refresh();
        Assert.DoesNotContain(await store.ListAsync(None), v => v.Volume == leaf);
        Assert.Equal([baseVolume], (await DomainInventory.LoadAsync(store, None)).ChainOf(image).Select(v => v.Id));

        // The base is the leaf again, and extends as usual; a snapshot after it sees its new size.
        Assert.Equal(1024, await extender.ExtendAsync(7, pool.Second, baseVolume, 1024, None));
        await RunAsync(spm, "snapshot.create", Args(pool.Second, image));
        store.Refresh();
        Assert.Equal(1024L << 20, (await store.ListAsync(None)).Single(v => v.Volume == baseVolume).Size);
        Assert.Empty(await DomainCheck.RunAsync(store, None));
    }

    [Theory]
    [InlineData("file")]
    [InlineData("block")]
    public async Task Snapshots_merges_copies_and_deletes_on_ten_images_at_once_leave_every_chain_whole(string kind)
    {
        await using var pool = await TestPool.CreateAsync(kind);
        var spm = await pool.HostAsync(1);
        await spm.StartAsync(None);
        var images = new List<(Guid Image, Guid Base)>();
        for (int i = 0; i < 10; i++)
        {
            images.Add(await CreateImageAsync(spm, pool.Second));
        }

        // Round 1: two snapshots on each image, all submitted together.
        var tops = images.Select(_ => (First: Guid.NewGuid(), Second: Guid.NewGuid())).ToList();
        var round = new List<TaskRecord>();
        for (int i = 0; i < images.Count; i++)
        {
            round.Add(await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, images[i].Image, ("volume", tops[i].First.ToString())), None));
            round.Add(await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, images[i].Image, ("volume", tops[i].Second.ToString())), None));
        }

        await AllFinishedAsync(spm, round);

        // Round 2: on each image at once, by turns: a merge of the first snapshot into the base,
        // a delete of the leaf, a copy to the master domain, and a snapshot.
        round.Clear();
        for (int i = 0; i < images.Count; i++)
        {
            var (image, baseVolume) = images[i];
            round.Add(await StructuralVerbs.SubmitAsync(spm, (i % 4) switch
            {
                0 => "image.merge",
                1 => "volume.delete",
                2 => "image.copy",
                _ => "snapshot.create",
            }, (i % 4) switch
            {
                0 => Args(pool.Second, image, ("base", baseVolume.ToString()), ("top", tops[i].First.ToString())),
                1 => Args(pool.Second, image, ("volume", tops[i].Second.ToString())),
                2 => Args(pool.Second, image, ("target_domain", pool.Master.ToString())),
                _ => Args(pool.Second, image),
            }, None));
            // And on the same image, queued behind it: one more snapshot.
            round.Add(await StructuralVerbs.SubmitAsync(spm, "snapshot.create", Args(pool.Second, image), None));
        }

        await AllFinishedAsync(spm, round);
        foreach (var domain in new[] { pool.Second, pool.Master })
        {
            var store = await pool.StoreAsync(domain);
            store.Refresh();
            var inventory = await DomainInventory.LoadAsync(store, None);
            foreach (var chain in inventory.Chains)
            {
                Assert.True(chain.IsValid, $"image {chain.Image} of {domain}: {chain.Error}");
            }

            Assert.Empty(await DomainCheck.RunAsync(store, None));
        }

        var second = await DomainInventory.LoadAsync(await pool.StoreAsync(pool.Second), None);
        Assert.Equal(3, second.ChainOf(images[0].Image).Count);  // base (first merged into it), second, snapshot
        Assert.Equal(3, second.ChainOf(images[1].Image).Count);  // base, first, snapshot (second deleted)
        Assert.Equal(4, second.ChainOf(images[2].Image).Count);  // base, first, second, snapshot
        Assert.Equal(5, second.ChainOf(images[3].Image).Count);  // base, first, second, 2 snapshots
        var master = await DomainInventory.LoadAsync(await pool.StoreAsync(pool.Master), None);
        Assert.Equal(3, master.ChainOf(images[2].Image).Count);
    }

    private static async Task AllFinishedAsync(SpmRole spm, IEnumerable<TaskRecord> tasks)
    {
        foreach (var task in tasks)
        {
            var done = await spm.Tasks.WaitAsync(task.Id, None).WaitAsync(TimeSpan.FromMinutes(5));
            Assert.True(done.State == TaskState.Finished, $"{done.Verb} {done.Id}: {done.State} {done.Error}");
        }
    }

    private static int StorageErrorsCode(string name) =>
        typeof(Storage.StorageErrors).GetFields().Select(f => f.GetValue(null)).OfType<ErrorCode>().Single(c => c.Name == name).Value;

    private static Dictionary<string, string> Args(Guid domain, Guid image, params (string Key, string Value)[] more)
    {
        var args = new Dictionary<string, string> { ["domain"] = domain.ToString(), ["image"] = image.ToString() };
        foreach (var (key, value) in more)
        {
            args[key] = value;
        }

        return args;
    }

    private static async Task<(Guid Image, Guid Volume)> CreateImageAsync(SpmRole spm, Guid domain, long size = 16 << 20)
    {
        var (image, volume) = (Guid.NewGuid(), Guid.NewGuid());
        await RunAsync(spm, "image.create", new Dictionary<string, string>
        {
            ["domain"] = domain.ToString(), ["image"] = image.ToString(), ["volume"] = volume.ToString(), ["size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture), ["format"] = "cow",
        });
        return (image, volume);
    }

    private static async Task<TaskRecord> RunAsync(SpmRole spm, string verb, Dictionary<string, string> args)
    {
        var done = await spm.Tasks.WaitAsync((await StructuralVerbs.SubmitAsync(spm, verb, args, None)).Id, None);
        Assert.True(done.State == TaskState.Finished, $"{verb}: {done.State} {done.Error}");
        return done;
    }
}
