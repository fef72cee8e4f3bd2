using Sanpool.Agent.Api;
using Sanpool.Api.Tasks;

namespace Sanpool.Agent.Handlers.Tasks;

/// <summary><c>task.clear</c> (SPM): forgets a task that is done; a task still queued or running is refused.</summary>
internal sealed class TaskClearHandler(PoolConnection connection) : IVerbHandler<TaskClearRequest, TaskClearReply>
{
    public async Task<TaskClearReply> HandleAsync(TaskClearRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await connection.Role.Tasks.ClearAsync(request.Task, cancellationToken).ConfigureAwait(false);
        return new TaskClearReply(request.Task);
    }
}
