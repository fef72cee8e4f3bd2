using Sanpool.Agent.Api;
using Sanpool.Api.Pools;
using Sanpool.Storage.Check;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary><c>domain.check</c>: <see cref="DomainCheck"/> on a domain of the pool, from this host: read-only, no lease, nothing changed.</summary>
internal sealed class DomainCheckHandler(PoolConnection connection) : IVerbHandler<DomainCheckRequest, DomainCheckReply>
{
    public async Task<DomainCheckReply> HandleAsync(DomainCheckRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = await connection.Connected.StoreAsync(request.Domain, cancellationToken).ConfigureAwait(false);
        // The SPM changes the domain, maybe from another host: read what it holds now, not a cached view.
        store.Refresh();
        var findings = await DomainCheck.RunAsync(store, cancellationToken).ConfigureAwait(false);
        return new DomainCheckReply
        {
            Domain = request.Domain,
            Findings = [.. findings.Select(f => new CheckFindingView { Image = f.Image, Volume = f.Volume, Problem = f.Problem, Fix = f.Fix })],
        };
    }
}
