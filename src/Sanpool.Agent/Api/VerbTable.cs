using Sanpool.Api;

namespace Sanpool.Agent.Api;

/// <summary>
/// The verbs an agent serves, each with its handler: what <see cref="AgentApi"/> maps to
/// endpoints. The real agent's table is built by <see cref="HostAgent"/>; tests build their own.
/// </summary>
public sealed class VerbTable
{
    private readonly Dictionary<string, VerbRegistration> _verbs = new(StringComparer.Ordinal);

    public VerbTable Add<TRequest, TReply>(AgentVerb<TRequest, TReply> verb, IVerbHandler<TRequest, TReply> handler)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(verb);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_verbs.TryAdd(verb.Name, new VerbRegistration<TRequest, TReply>(verb, handler)))
        {
            throw new InvalidOperationException($"verb {verb.Name} is in the table twice");
        }

        return this;
    }

    public VerbTable Add<TRequest, TReply>(AgentVerb<TRequest, TReply> verb, Func<TRequest, CancellationToken, Task<TReply>> handler)
        where TRequest : notnull =>
        Add(verb, new DelegateHandler<TRequest, TReply>(handler));

    public IReadOnlyCollection<string> Names => _verbs.Keys;

    public IReadOnlyCollection<VerbRegistration> Registrations => _verbs.Values;

    public bool TryGet(string name, out VerbRegistration registration) => _verbs.TryGetValue(name, out registration!);

    private sealed class DelegateHandler<TRequest, TReply>(Func<TRequest, CancellationToken, Task<TReply>> run) : IVerbHandler<TRequest, TReply>
    {
        public Task<TReply> HandleAsync(TRequest request, CancellationToken cancellationToken) => run(request, cancellationToken);
    }
}
