using Sanpool.Pool.Resources;
using Sanpool.Pool.Tasks;

namespace Sanpool.Pool.Spm.Structural;

/// <summary>What a structural request will touch (claimed all at once before it runs), and what it does once it holds all of it.</summary>
public sealed record TaskPlan(IReadOnlyList<ResourceRequest> Resources, Func<TaskContext, Task<string>> Body);
