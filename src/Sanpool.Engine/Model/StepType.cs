namespace Sanpool.Engine.Model;

/// <summary><c>step.step_type</c>, stored as its name; the engine's StepEnum values Sanpool uses.</summary>
public enum StepType
{
    VALIDATING,
    EXECUTING,
    FINALIZING,
    CREATING_SNAPSHOTS,
    CREATE_VOLUME,
    MERGE_SNAPSHOTS,
    COPY_IMAGE,
    REMOVING_IMAGE,
    UNKNOWN,
}
