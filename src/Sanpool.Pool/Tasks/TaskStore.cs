using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Storage;
using Sanpool.Storage.Journal;

namespace Sanpool.Pool.Tasks;

/// <summary>
/// The pool's tasks, one per slot of the master domain's task area (<see cref="MasterArea.Tasks"/>).
/// Only the SPM writes here; every write is one slot copy, so a task is always read whole,
/// as it was before or after the write a crash interrupted.
/// </summary>
public sealed class TaskStore
{
    private readonly SlotArea _area;
    private readonly Dictionary<Guid, int> _slots = [];
    private readonly Dictionary<Guid, TaskRecord> _tasks = [];
    private readonly Lock _lock = new();
    private long _lastSeq;

    private TaskStore(SlotArea area) => _area = area;

    /// <summary>Reads every task slot of the master area on <paramref name="device"/>.</summary>
    public static async Task<TaskStore> LoadAsync(IBlockDevice device, CancellationToken cancellationToken)
    {
        var store = new TaskStore(new SlotArea(device, MasterArea.Tasks));
        var bodies = await store._area.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        for (int slot = 0; slot < bodies.Count; slot++)
        {
            if (bodies[slot] is not { } body)
            {
                continue;
            }

            TaskRecord task;
            try
            {
                task = TaskRecord.FromJson(body);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException)
            {
                throw new SanpoolException(StorageErrors.MetadataInvalid, $"task slot {slot} of {store._area.Where}: {e.Message}");
            }

            store._slots[task.Id] = slot;
            store._tasks[task.Id] = task;
            store._lastSeq = Math.Max(store._lastSeq, task.Seq);
        }

        return store;
    }

    /// <summary>Every task in the order of submission (<see cref="TaskRecord.Seq"/>; unnumbered older ones first, by creation time).</summary>
    public IReadOnlyList<TaskRecord> All
    {
        get
        {
            lock (_lock)
            {
                return [.. _tasks.Values.OrderBy(t => t.Seq).ThenBy(t => t.Created).ThenBy(t => t.Id)];
            }
        }
    }

    public TaskRecord? Find(Guid id)
    {
        lock (_lock)
        {
            return _tasks.GetValueOrDefault(id);
        }
    }

    /// <summary>Writes the task into its slot (a new task takes a free one and the next <see cref="TaskRecord.Seq"/>).</summary>
    /// <exception cref="SanpoolException">TASKS_FULL when every slot holds a task not yet cleared.</exception>
    public async Task SaveAsync(TaskRecord task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        int slot;
        lock (_lock)
        {
            if (!_slots.TryGetValue(task.Id, out slot))
            {
                var used = _slots.Values.ToHashSet();
                slot = Enumerable.Range(0, _area.Layout.Slots).FirstOrDefault(s => !used.Contains(s), -1);
                if (slot < 0)
                {
                    throw new SanpoolException(PoolErrors.TasksFull, $"all {_area.Layout.Slots} task slots hold tasks; clear finished ones with 'sanpool task clear'");
                }

                _slots[task.Id] = slot;
                if (task.Seq == 0)
                {
                    task = task with { Seq = ++_lastSeq };
                }
            }

            _tasks[task.Id] = task;
        }

        await _area.WriteAsync(slot, task.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Frees the task's slot.</summary>
    public async Task ClearAsync(Guid id, CancellationToken cancellationToken)
    {
        int slot;
        lock (_lock)
        {
            if (!_slots.Remove(id, out slot))
            {
                throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id}");
            }

            _tasks.Remove(id);
        }

        await _area.WriteAsync(slot, [], cancellationToken).ConfigureAwait(false);
    }
}
