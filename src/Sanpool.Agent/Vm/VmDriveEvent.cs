namespace Sanpool.Agent.Vm;

/// <summary>
/// One thing that happened to a drive of a watched VM, for the agent to publish.
/// </summary>
/// <param name="Vm">The VM's name.</param>
/// <param name="Drive">The drive's id.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Time">When the watcher saw it.</param>
/// <param name="Pauses">How many ENOSPC pauses the drive has had so far.</param>
/// <param name="PausedFor">For <see cref="VmDriveEventKind.Resumed"/>: from the ENOSPC to the resume.</param>
/// <param name="Offset">For <see cref="VmDriveEventKind.ThresholdCrossed"/>: the threshold that was crossed.</param>
/// <param name="Detail">Free text: the error, or why there is no space.</param>
public sealed record VmDriveEvent(
    string Vm,
    string Drive,
    VmDriveEventKind Kind,
    DateTimeOffset Time,
    int Pauses,
    TimeSpan? PausedFor = null,
    long? Offset = null,
    string? Detail = null);
