namespace Sanpool.Agent.Vm;

/// <summary>
/// What <c>query-status</c> says: qemu's run state ("running", "paused", "io-error",
/// "prelaunch", "shutdown", ...) and whether the guest's CPUs run.
/// </summary>
public sealed record VmRunState(string Status, bool Running)
{
    /// <summary>Stopped by a drive's error policy (werror=enospc hit ENOSPC): the state <c>cont</c> resumes from.</summary>
    public bool IsIoError => Status == "io-error";
}
