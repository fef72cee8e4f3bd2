using Microsoft.Extensions.Logging;

namespace Sanpool.Agent.Vm;

/// <summary>
/// Every message the VM layer logs, with stable event ids (8600 band). Each names the VM, and
/// the drive where there is one. Repeats (no space yet, I/O errors) are rate-limited by the caller.
/// </summary>
internal static partial class VmLog
{
    [LoggerMessage(EventId = 8600, Level = LogLevel.Information, Message = "VM {Vm}: qemu {Version} started as pid {Pid} ({Accelerator}), held until cont")]
    public static partial void Launched(ILogger logger, string vm, int pid, string accelerator, string version);

    [LoggerMessage(EventId = 8601, Level = LogLevel.Information, Message = "VM {Vm}: qemu exited with {ExitCode}{Stderr}")]
    public static partial void Exited(ILogger logger, string vm, string exitCode, string stderr);

    [LoggerMessage(EventId = 8602, Level = LogLevel.Information, Message = "VM {Vm}: killed qemu pid {Pid}")]
    public static partial void Killed(ILogger logger, string vm, int pid);

    [LoggerMessage(EventId = 8610, Level = LogLevel.Warning, Message = "VM {Vm}: paused, drive {Drive} (node {Node}) is out of space (pause {Pauses}, seen in {SeenIn}); asking for an extension")]
    public static partial void Paused(ILogger logger, string vm, string drive, string node, int pauses, string seenIn);

    [LoggerMessage(EventId = 8611, Level = LogLevel.Information, Message = "VM {Vm}: drive {Drive} got space in {Milliseconds:0.0} ms")]
    public static partial void Extended(ILogger logger, string vm, string drive, double milliseconds);

    [LoggerMessage(EventId = 8612, Level = LogLevel.Information, Message = "VM {Vm}: resumed after {Milliseconds:0.0} ms paused on drive(s) {Drives}")]
    public static partial void Resumed(ILogger logger, string vm, string drives, double milliseconds);

    [LoggerMessage(EventId = 8613, Level = LogLevel.Warning, Message = "VM {Vm}: drive {Drive} still has no space ({Why}); the VM stays paused, asking again every {Seconds} s (logged once a minute)")]
    public static partial void StillWaiting(ILogger logger, string vm, string drive, string why, double seconds);

    [LoggerMessage(EventId = 8614, Level = LogLevel.Information, Message = "VM {Vm}: every stopped drive has space, cont {Milliseconds:0.0} ms after the pause")]
    public static partial void Continuing(ILogger logger, string vm, double milliseconds);

    [LoggerMessage(EventId = 8615, Level = LogLevel.Information, Message = "VM {Vm}: drives have space but the VM is '{Status}', not io-error; not resuming it")]
    public static partial void NotResuming(ILogger logger, string vm, string status);

    [LoggerMessage(EventId = 8616, Level = LogLevel.Warning, Message = "VM {Vm}: cont failed: {Error}; trying again in {Seconds} s")]
    public static partial void ContFailed(ILogger logger, string vm, string error, double seconds);

    [LoggerMessage(EventId = 8617, Level = LogLevel.Warning, Message = "VM {Vm}: I/O error on drive {Drive} ({Operation}, action {Action}): {Reason} (logged once a minute)")]
    public static partial void IoError(ILogger logger, string vm, string drive, string operation, string action, string reason);

    [LoggerMessage(EventId = 8618, Level = LogLevel.Warning, Message = "VM {Vm}: I/O error on a drive we do not know (device '{Device}', node '{Node}'): {Reason}")]
    public static partial void UnknownDrive(ILogger logger, string vm, string device, string node, string reason);

    [LoggerMessage(EventId = 8619, Level = LogLevel.Information, Message = "VM {Vm}: stopped watching: {Why}")]
    public static partial void WatcherStopped(ILogger logger, string vm, string why);

    [LoggerMessage(EventId = 8620, Level = LogLevel.Error, Message = "VM {Vm}: a handler of {Event} failed")]
    public static partial void EventHandlerFailed(ILogger logger, string vm, string @event, Exception exception);

    [LoggerMessage(EventId = 8621, Level = LogLevel.Warning, Message = "VM {Vm}: QMP sent a line that is not a JSON object: {Line}")]
    public static partial void QmpUnparsable(ILogger logger, string vm, string line);

    [LoggerMessage(EventId = 8622, Level = LogLevel.Debug, Message = "VM {Vm}: QMP sent an answer nobody waits for: {Line}")]
    public static partial void QmpUnexpected(ILogger logger, string vm, string line);

    [LoggerMessage(EventId = 8623, Level = LogLevel.Debug, Message = "VM {Vm}: QMP connection closed")]
    public static partial void QmpClosed(ILogger logger, string vm);
}
