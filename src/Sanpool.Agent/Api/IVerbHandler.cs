namespace Sanpool.Agent.Api;

/// <summary>Runs one verb of the agent's API: its request record in, its reply record out; errors as <see cref="Core.SanpoolException"/>s with their stable codes.</summary>
public interface IVerbHandler<in TRequest, TReply>
{
    Task<TReply> HandleAsync(TRequest request, CancellationToken cancellationToken);
}
