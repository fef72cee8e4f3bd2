namespace Sanpool.Engine.Model;

/// <summary><c>job.status</c> and <c>step.status</c>, stored as their names; the engine's JobExecutionStatus.</summary>
public enum JobExecutionStatus
{
    STARTED,
    FINISHED,
    FAILED,
    ABORTED,
    UNKNOWN,
}
