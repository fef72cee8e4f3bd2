namespace Sanpool.Engine.Jobs;

/// <summary>
/// How the engine paces a storage job. The timeline of one job:
/// <code>
/// POST ── lock rows (one transaction) ── submit to the SPM (≤ SubmitTimeout) ── 202
///           └─ every QuickPollInterval for the first QuickPollFor, then every PollInterval:
///              task.status (≤ CallTimeout each; another Up host of the data center if this one
///              does not answer) ── task done ── rows settled, job ended
/// </code>
/// An SPM that dies under a task leaves it Running until the next SPM (host_dead later) recovers
/// it; the job waits for that as long as it takes: the storage, not a timer, decides how a job
/// ends. Waits are on the system clock (an agent's task runs in real time); the times written
/// to the database come from the database's clock.
/// </summary>
public sealed record JobTimings
{
    /// <summary>How long the agent may take to accept a task.</summary>
    public TimeSpan SubmitTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one task.status or domain.volumes call may take.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between two looks at a running task, once it has run <see cref="QuickPollFor"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Between two looks while the task is young. Most tasks (a snapshot, a small disk) end
    /// within a second: waiting a whole <see cref="PollInterval"/> past their end made a VM
    /// snapshot take up to 250 ms more than the agent's task (the bench's engine suite); long
    /// tasks (a copy) still cost one call per PollInterval after the first seconds.
    /// </summary>
    public TimeSpan QuickPollInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>How long after the wait begins the looks come every <see cref="QuickPollInterval"/>.</summary>
    public TimeSpan QuickPollFor { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>After a look at every host failed: before the next round.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a job keeps submitting its task while the pool has no SPM to take it: longer
    /// than host_dead at sanlock's defaults (140 s) plus the next SPM's start.
    /// </summary>
    public TimeSpan SubmitRetryFor { get; init; } = TimeSpan.FromMinutes(4);
}
