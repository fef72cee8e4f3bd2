namespace Sanpool.Api.Tasks;

/// <summary>
/// Where a task is (VDSM's task states, folded to what an SPM verb goes through):
/// <code>
/// Queued -> Running -> Finished                     the verb did what it was asked
///                   -> Failed                       it stopped before changing anything for good; its undo ran
///                   -> Recovering -> Recovered      the SPM died under it; the next SPM rolled it back
///                                 -> Finished       ... or finished it (past its point of no return)
/// </code>
/// </summary>
public enum TaskState
{
    Queued,
    Running,
    Finished,
    Failed,
    Recovering,
    Recovered,
}
