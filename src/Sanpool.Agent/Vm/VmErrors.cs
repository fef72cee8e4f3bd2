using Sanpool.Core;

namespace Sanpool.Agent.Vm;

/// <summary>
/// Codes of the VM layer (qemu processes and their QMP monitors), band -860 .. -879. Numbers
/// never change once released; add new codes at the end of the band.
/// </summary>
public static class VmErrors
{
    /// <summary>The QMP socket refused the connection or is missing (transient while qemu starts).</summary>
    public static readonly ErrorCode QmpConnectFailed = new(-860, "QMP_CONNECT_FAILED");

    /// <summary>The monitor said something that is not QMP: no greeting, a line that is not a JSON object.</summary>
    public static readonly ErrorCode QmpProtocol = new(-861, "QMP_PROTOCOL");

    /// <summary>qemu answered a command with an error; the message has its class and description.</summary>
    public static readonly ErrorCode QmpCommandFailed = new(-862, "QMP_COMMAND_FAILED");

    /// <summary>The monitor connection closed (qemu exited or was killed) before the answer came.</summary>
    public static readonly ErrorCode QmpDisconnected = new(-863, "QMP_DISCONNECTED");

    /// <summary>qemu did not answer a command in time (transient: a busy TCG guest can be slow).</summary>
    public static readonly ErrorCode QmpTimeout = new(-864, "QMP_TIMEOUT");

    /// <summary>qemu-system could not be started, or exited before its monitor came up; the message has its stderr.</summary>
    public static readonly ErrorCode VmStartFailed = new(-865, "VM_START_FAILED");

    /// <summary>The qemu process has exited; nothing more can be asked of it.</summary>
    public static readonly ErrorCode VmExited = new(-866, "VM_EXITED");

    /// <summary>The guest did not print the awaited line on its serial console in time; the message has the tail.</summary>
    public static readonly ErrorCode VmSerialTimeout = new(-867, "VM_SERIAL_TIMEOUT");

    /// <summary>No block node of that name in the VM (query-blockstats / query-named-block-nodes).</summary>
    public static readonly ErrorCode VmNodeNotFound = new(-868, "VM_NODE_NOT_FOUND");

    /// <summary>A drive specification qemu would refuse or that names no node to watch.</summary>
    public static readonly ErrorCode VmBadDrive = new(-869, "VM_BAD_DRIVE");
}
