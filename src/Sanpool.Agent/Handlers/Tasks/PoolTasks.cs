using Sanpool.Api.Tasks;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Tasks;

namespace Sanpool.Agent.Handlers.Tasks;

/// <summary>
/// The pool's tasks as this host can see them: the SPM answers from its task table (queued
/// tasks with what they wait for, live); any other host reads the task area of the master
/// domain, which only the SPM writes.
/// </summary>
internal static class PoolTasks
{
    public static async Task<IReadOnlyList<TaskRecord>> ReadAsync(PoolConnection connection, CancellationToken cancellationToken)
    {
        var role = connection.Role;
        if (role.State == SpmState.Spm)
        {
            return role.Tasks.List();
        }

        await using var device = await connection.Connected.Master.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        return (await TaskStore.LoadAsync(device, cancellationToken).ConfigureAwait(false)).All;
    }

    public static async Task<TaskInfo> FindAsync(PoolConnection connection, Guid id, CancellationToken cancellationToken) =>
        (await ReadAsync(connection, cancellationToken).ConfigureAwait(false)).FirstOrDefault(t => t.Id == id)?.ToInfo()
        ?? throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {connection.Config.Pool}");
}
