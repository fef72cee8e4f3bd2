namespace Sanpool.Engine.Model;

/// <summary>A row of <c>job</c>: one user action.</summary>
/// <param name="ActionType">What the action is ("CreateSnapshotForVm", say).</param>
/// <param name="CorrelationId">The caller's Correlation-Id, or one made up; never null, also on the steps and events.</param>
public sealed record Job(
    Guid JobId,
    string ActionType,
    string Description,
    JobExecutionStatus Status,
    Guid? OwnerId,
    bool Visible,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    DateTimeOffset LastUpdateTime,
    string CorrelationId,
    bool IsExternal,
    bool IsAutoCleared);
