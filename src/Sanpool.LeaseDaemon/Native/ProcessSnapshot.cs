namespace Sanpool.LeaseDaemon.Native;

/// <summary>
/// One reading of /proc/PID/stat: the state, and the start time (field 22, clock ticks since
/// boot) that tells this process from a later one that reuses the pid.
/// </summary>
public readonly record struct ProcessSnapshot(ProcessState State, ulong StartTime)
{
    public static readonly ProcessSnapshot Gone = new(ProcessState.Gone, 0);

    /// <summary>True when the process can no longer run: gone or a zombie.</summary>
    public bool IsDead => State is ProcessState.Gone or ProcessState.Zombie;

    /// <summary>This reading as seen by someone who knows the process started at <paramref name="startTime"/>.</summary>
    public ProcessSnapshot For(ulong startTime) => State != ProcessState.Gone && StartTime != startTime ? Gone : this;
}
