using Sanpool.Api;
using Sanpool.Api.Binding;
using Sanpool.Api.Images;
using Sanpool.Api.Tasks;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Spm.Structural;

/// <summary>
/// One structural verb as the SPM runs it: <see cref="Plan"/> checks the request at once (a bad
/// request gets no task), names what it will touch, and gives the body that runs as a persisted
/// task on the writer of its domain once the SPM's resource manager grants all of that.
/// </summary>
public abstract class StructuralVerb<TRequest> : IStructuralVerb
    where TRequest : notnull, IStructuralRequest
{
    private const string WaitArgument = "wait";
    private const string ForwardArgument = "forward";

    public abstract AgentVerb<TRequest, TaskSubmitted> Typed { get; }

    public AgentVerb Verb => Typed;

    /// <summary>
    /// What the request will touch and what it does; throws INVALID_ARGUMENT for a request it
    /// cannot run. Its <see cref="TaskPlan.Check"/> is the operation's own check on the domain as
    /// it is, so that a request sure to fail (a snapshot of an image that does not exist) is
    /// refused at once rather than made a task that fails.
    /// </summary>
    public abstract TaskPlan Plan(SpmRole spm, TRequest request);

    /// <summary>The inventory of <paramref name="domain"/> as the SPM's writer of it reads it now.</summary>
    protected static async Task<DomainInventory> InventoryAsync(SpmRole spm, Guid domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spm);
        var writer = await spm.WriterAsync(domain, cancellationToken).ConfigureAwait(false);
        return await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the request as a task on this host, which must be the SPM. The task keeps the
    /// request's arguments as the wire carries them, without wait and forward, which are about
    /// this one submission.
    /// </summary>
    public async Task<TaskRecord> SubmitAsync(SpmRole spm, TRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spm);
        var plan = Plan(spm, request);
        var args = ApiJson.Arguments(request);
        args.Remove(WaitArgument);
        args.Remove(ForwardArgument);
        return await spm.Tasks.SubmitAsync(Typed.Name, args, plan, request.Wait ?? true, cancellationToken).ConfigureAwait(false);
    }

    public Task<TaskRecord> SubmitAsync(SpmRole spm, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken) =>
        SubmitAsync(spm, RequestBinder.Bind<TRequest>(Typed.Name, args), cancellationToken);
}
