using Sanpool.Api.Tasks;
using Sanpool.BlockIO;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Journal;

namespace Sanpool.Pool.Tests.Tasks;

/// <summary>
/// The pool's tasks are listed in the order they were submitted, even when many are made in one
/// second (creation times are whole seconds, and random task ids do not order them), and that
/// order survives reading the task area afresh, as a new SPM does.
/// </summary>
public sealed class TaskStoreOrderTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Tasks_made_in_the_same_second_are_listed_in_submission_order_also_after_a_reload()
    {
        var disk = new MemoryDisk(MasterArea.Size);
        var store = await TaskStore.LoadAsync(disk.Open(), None);
        var submitted = new List<Guid>();
        for (int i = 0; i < 20; i++)
        {
            var id = Guid.NewGuid();
            await store.SaveAsync(new TaskRecord { Id = id, Verb = "snapshot.create", State = TaskState.Queued, Created = 1_800_000_000, Updated = 1_800_000_000 }, None);
            submitted.Add(id);
        }

        // An update (a task finishing) keeps its place.
        await store.SaveAsync(store.Find(submitted[3])! with { State = TaskState.Finished, Updated = 1_800_000_001 }, None);
        Assert.Equal(submitted, store.All.Select(t => t.Id));

        var reloaded = await TaskStore.LoadAsync(disk.Open(), None);
        Assert.Equal(submitted, reloaded.All.Select(t => t.Id));

        // A task the next SPM submits comes after all of them, though its clock may be behind.
        var next = Guid.NewGuid();
        await reloaded.SaveAsync(new TaskRecord { Id = next, Verb = "image.create", Created = 1_799_999_999 }, None);
        Assert.Equal([.. submitted, next], reloaded.All.Select(t => t.Id));
    }
}
