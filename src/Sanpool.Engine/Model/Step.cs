namespace Sanpool.Engine.Model;

/// <summary>A row of <c>step</c>: one step of a job, possibly below another step.</summary>
/// <param name="Progress">Percent done, when known.</param>
/// <param name="ExternalId">The SPM task the step waits for.</param>
public sealed record Step(
    Guid StepId,
    Guid? ParentStepId,
    Guid JobId,
    StepType StepType,
    string Description,
    int StepNumber,
    JobExecutionStatus Status,
    int? Progress,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    string CorrelationId,
    Guid? ExternalId,
    ExternalSystemType? ExternalSystemType);
