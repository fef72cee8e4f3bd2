using Sanpool.Api;
using Sanpool.Pool.Tasks;

namespace Sanpool.Pool.Spm.Structural;

/// <summary>A structural verb whose request is known only as the wire's argument strings.</summary>
public interface IStructuralVerb
{
    AgentVerb Verb { get; }

    /// <summary>Binds the arguments to the verb's request (INVALID_ARGUMENT naming a bad one) and submits it.</summary>
    Task<TaskRecord> SubmitAsync(SpmRole spm, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken);
}
