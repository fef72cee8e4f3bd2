using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Jobs;

/// <summary>The log lines of VM starts and stops and of the VM monitor, events 10750-10759.</summary>
internal static partial class VmRunLog
{
    [LoggerMessage(EventId = 10750, Level = LogLevel.Information, Message = "VM {Vm} ({Name}) is {Status} on host {Host}")]
    public static partial void Started(ILogger logger, Guid vm, string name, string status, string host);

    [LoggerMessage(EventId = 10751, Level = LogLevel.Warning, Message = "VM {Vm} ({Name}) did not start on host {Host}: {Error}")]
    public static partial void StartFailed(ILogger logger, Guid vm, string name, string host, string error);

    [LoggerMessage(EventId = 10752, Level = LogLevel.Information, Message = "VM {Vm} ({Name}) is {Status}: {Why}")]
    public static partial void Changed(ILogger logger, Guid vm, string name, string status, string why);

    [LoggerMessage(EventId = 10753, Level = LogLevel.Warning, Message = "host {Host} did not stop VM {Vm} or tear its image down: {Error}")]
    public static partial void CleanupFailed(ILogger logger, string host, Guid vm, string error);

    [LoggerMessage(EventId = 10754, Level = LogLevel.Warning, Message = "the VM monitor's round failed: {Error}")]
    public static partial void RoundFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 10755, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) of VM {Vm}, left STARTED by the last engine")]
    public static partial void Recovering(ILogger logger, Guid job, string description, string vm);
}
