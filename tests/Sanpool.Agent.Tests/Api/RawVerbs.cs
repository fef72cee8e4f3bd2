using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Api;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// A verb table for the transport's tests: every name registered with the arguments as they
/// came (no binding) and a JSON answer, read-only where the real verb of that name is. The
/// fakes behind it read their arguments with the real strictness themselves.
/// </summary>
internal static class RawVerbs
{
    public delegate Task<JsonNode> Invoke(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken);

    public static VerbTable Table(IEnumerable<string> names, Invoke invoke)
    {
        var table = new VerbTable();
        foreach (var name in names)
        {
            bool readOnly = AgentVerbs.All.TryGetValue(name, out var real) && real.ReadOnly;
            var verb = new AgentVerb<Dictionary<string, string>, JsonNode>(name, real?.Group ?? "test", readOnly, $"fake {name}");
            table.Add(verb, (args, ct) => invoke(name, args, ct));
        }

        return table;
    }
}
