namespace Sanpool.Engine.Model;

/// <summary>A row of <c>async_tasks</c>: an SPM task a command started and has not yet cleared.</summary>
/// <param name="ActionType">The agent verb the task runs ("snapshot.create", say).</param>
/// <param name="VdsmTaskId">The task's id on the SPM.</param>
/// <param name="CommandId">The command (job) that started it.</param>
public sealed record AsyncTask(
    Guid TaskId,
    string ActionType,
    AsyncTaskStatus Status,
    Guid VdsmTaskId,
    Guid? StepId,
    Guid CommandId,
    Guid StoragePoolId,
    DateTimeOffset StartedAt);
