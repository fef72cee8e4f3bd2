using Sanpool.Pool.Resources;

namespace Sanpool.Pool.Tasks;

/// <summary>
/// What a task will touch (claimed all at once before it runs, <see cref="ResourceManager"/>)
/// and what it does once it holds all of it.
/// </summary>
public sealed record TaskPlan(IReadOnlyList<ResourceRequest> Resources, Func<TaskContext, Task<string>> Body)
{
    /// <summary>
    /// What can refuse the request before any task is made, run only when the claim is granted
    /// at once: then nothing else can change what it reads until the task ends, so a request
    /// that cannot succeed is refused to its caller instead of becoming a failed task. Behind a
    /// busy resource it is not run (the tasks ahead may change the answer); the body checks
    /// again in any case.
    /// </summary>
    public Func<CancellationToken, Task>? Check { get; init; }
}
