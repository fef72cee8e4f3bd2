using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Jobs;

/// <summary>The log lines of the VM jobs, events 10710-10719.</summary>
internal static partial class VmJobsLog
{
    [LoggerMessage(EventId = 10710, Level = LogLevel.Information, Message = "VM {Vm} ({Name}) defined with {Disks} disk(s)")]
    public static partial void Defined(ILogger logger, Guid vm, string name, int disks);

    [LoggerMessage(EventId = 10711, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) of VM {Vm}, left STARTED by the last engine")]
    public static partial void Recovering(ILogger logger, Guid job, string description, string vm);
}
