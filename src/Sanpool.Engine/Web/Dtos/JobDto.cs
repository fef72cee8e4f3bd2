using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A job as <c>/api/jobs</c> shows it, with its steps; <paramref name="Subjects"/> are the entities it works on (and LOCKED while it runs).</summary>
public sealed record JobDto(
    Guid Id,
    string ActionType,
    string Description,
    JobExecutionStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    DateTimeOffset LastUpdated,
    string CorrelationId,
    Guid? Owner,
    IReadOnlyList<StepDto> Steps,
    IReadOnlyList<JobSubjectDto> Subjects,
    string Href)
{
    public static JobDto From(Job job, IReadOnlyList<Step> steps, IReadOnlyList<JobSubject> subjects, string api)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(subjects);
        return new JobDto(
            job.JobId, job.ActionType, job.Description, job.Status, job.StartTime, job.EndTime, job.LastUpdateTime, job.CorrelationId, job.OwnerId,
            [.. steps.Select(StepDto.From)],
            [.. subjects.Select(s => new JobSubjectDto(s.EntityId, s.EntityType))],
            $"{api}/jobs/{job.JobId}");
    }
}

/// <summary>One step of a job; <paramref name="ExternalId"/> is the SPM task it waits for.</summary>
public sealed record StepDto(Guid Id, int Number, StepType Type, string Description, JobExecutionStatus Status, int? Progress, DateTimeOffset StartTime, DateTimeOffset? EndTime, Guid? ExternalId)
{
    public static StepDto From(Step step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new StepDto(step.StepId, step.StepNumber, step.StepType, step.Description, step.Status, step.Progress, step.StartTime, step.EndTime, step.ExternalId);
    }
}

/// <summary>An entity a job works on: its id and oVirt's type name (Disk, Storage, VM).</summary>
public sealed record JobSubjectDto(Guid Id, string Type);

/// <summary>What an action answers with 202: the job that carries it out, and the entity it made or works on.</summary>
public sealed record ActionDto(JobDto Job, RefDto? Disk);

/// <summary>What a data center's storage domain action answers with 202: its job, and the domain it works on.</summary>
public sealed record DomainActionDto(JobDto Job, RefDto StorageDomain);
