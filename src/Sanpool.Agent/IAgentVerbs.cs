using System.Text.Json.Nodes;

namespace Sanpool.Agent;

/// <summary>
/// Everything an agent answers, as named verbs with string arguments: what the API serves
/// (<c>POST /v1/&lt;verb&gt;</c> with a JSON object body) and what <c>sanpool --agent</c> calls.
/// <code>
/// status                          the host: id, name, pool, SPM role, domains seen
/// pool.info                       the pool keys of the master domain
/// domain.info    domain           one domain's metadata and monitoring
/// spm.status | spm.start | spm.stop
/// image.create, snapshot.create, image.merge, image.copy, volume.delete, template.create
///                                 structural: SPM only; return a task at once ({"task": ...})
/// task.status    task             one task;  task.list: all;  task.clear  task
/// </code>
/// A structural verb sent to a host that is not SPM fails with NOT_SPM naming the SPM, unless
/// the request asks to be forwarded (argument <c>forward=true</c>, taken off before the verb sees it).
/// Errors are <see cref="Core.SanpoolException"/>s with their stable codes.
/// </summary>
public interface IAgentVerbs
{
    /// <summary>The verb names this agent knows.</summary>
    IReadOnlyCollection<string> Verbs { get; }

    /// <exception cref="Core.SanpoolException">INVALID_ARGUMENT for an unknown verb or argument, or the verb's own error.</exception>
    Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken);
}
