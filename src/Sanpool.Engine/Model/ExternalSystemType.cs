namespace Sanpool.Engine.Model;

/// <summary><c>step.external_system_type</c>: who runs the task a step waits for (VDSM: a host's SPM task).</summary>
public enum ExternalSystemType
{
    VDSM,
}
