using Sanpool.Agent.Api;
using Sanpool.Agent.Handlers.Spm;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Spm.Structural;

namespace Sanpool.Agent.Handlers.Tasks;

/// <summary>
/// A structural verb (<see cref="StructuralVerbs"/>): on the SPM it becomes a task at once and
/// the reply is that task; on another host it is refused with NOT_SPM naming the SPM, or sent
/// on to the SPM when the request asks (<see cref="SpmForwarder"/>).
/// </summary>
internal sealed class StructuralHandler<TRequest>(StructuralVerb<TRequest> verb, PoolConnection connection, SpmForwarder forwarder)
    : IVerbHandler<TRequest, TaskSubmitted>
    where TRequest : notnull, IStructuralRequest
{
    public async Task<TaskSubmitted> HandleAsync(TRequest request, CancellationToken cancellationToken)
    {
        if (forwarder.ShouldForward(request))
        {
            return await forwarder.ForwardAsync(verb.Typed, request, cancellationToken).ConfigureAwait(false);
        }

        var task = await verb.SubmitAsync(connection.Role, request, cancellationToken).ConfigureAwait(false);
        return new TaskSubmitted(task.ToInfo());
    }
}
