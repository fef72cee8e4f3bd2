using Sanpool.Api.Vms;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// What a host's <c>vm.status</c> means for <c>vm_dynamic</c>. qemu's run states (query-status)
/// and the agent's own "exited":
/// <code>
/// running                                   Up
/// io-error (werror=enospc stopped it)       Paused, ENOSPC: waiting for its leaf to grow
/// paused, after a pause for space           Paused, ENOSPC
/// paused, inmigrate, suspended, ...         Paused, EOTHER
/// prelaunch, debug                          PoweringUp
/// shutdown (the guest powered off; qemu     Down: nothing more runs in it, the engine has the
///   runs with -no-shutdown), exited,          host stop it and tear its image down
///   guest-panicked, internal-error
/// </code>
/// </summary>
public static class AgentVmState
{
    /// <summary>oVirt's VmPauseStatus for a VM paused because its disk ran out of space.</summary>
    public const string NoSpace = "ENOSPC";

    /// <summary>oVirt's VmPauseStatus for any other pause.</summary>
    public const string OtherPause = "EOTHER";

    /// <summary>
    /// The agent's name for the engine's VM: the agent takes 1-32 of a-z, 0-9 and '-' (the VM's
    /// own name may be longer and mixed case), and puts the name twice in its QMP socket's path
    /// (run_dir/vms/NAME/NAME.qmp), which a unix socket limits to 107 bytes: so the first 12 hex
    /// digits of the id (48 bits; two VMs sharing them would be one name on a host, and the
    /// second start there is refused by the agent).
    /// </summary>
    public static string AgentName(Guid vmId) => "vm-" + vmId.ToString("N")[..12];

    /// <summary>The status, pause reason, and whether the VM is gone (its qemu should be stopped and its image torn down).</summary>
    public static (VmStatus Status, string? PauseReason, bool Gone) Of(VmStatusReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.State switch
        {
            "running" => (VmStatus.Up, null, false),
            "io-error" => (VmStatus.Paused, NoSpace, false),
            "paused" when reply.Pauses > 0 => (VmStatus.Paused, NoSpace, false),
            "prelaunch" or "debug" => (VmStatus.PoweringUp, null, false),
            "shutdown" or "exited" or "guest-panicked" or "internal-error" => (VmStatus.Down, null, true),
            _ => (VmStatus.Paused, OtherPause, false),
        };
    }

    /// <summary>Why a VM that is gone went down, for <c>vm_dynamic.exit_message</c>.</summary>
    public static string ExitMessage(VmStatusReply reply, string host)
    {
        ArgumentNullException.ThrowIfNull(reply);
        string why = reply.State switch
        {
            "shutdown" => "the guest powered off",
            "exited" => "its qemu exited",
            "guest-panicked" => "the guest panicked",
            _ => $"qemu is in state {reply.State}",
        };
        return $"{why} on host {host}" + (reply.Result is { Length: > 0 } result ? $" ({result})" : "");
    }
}
