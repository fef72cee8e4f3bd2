using Sanpool.Agent.Api;
using Sanpool.Api.Tasks;

namespace Sanpool.Agent.Handlers.Tasks;

/// <summary><c>task.status</c>: one task, from any host of the pool.</summary>
internal sealed class TaskStatusHandler(PoolConnection connection) : IVerbHandler<TaskStatusRequest, TaskInfo>
{
    public Task<TaskInfo> HandleAsync(TaskStatusRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PoolTasks.FindAsync(connection, request.Task, cancellationToken);
    }
}
