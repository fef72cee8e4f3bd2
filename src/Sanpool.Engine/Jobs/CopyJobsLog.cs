using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Jobs;

/// <summary>The log lines of the copy, move and template jobs, events 10730-10739.</summary>
internal static partial class CopyJobsLog
{
    [LoggerMessage(EventId = 10730, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) on disk {Disk}, left STARTED by the last engine")]
    public static partial void Recovering(ILogger logger, Guid job, string description, Guid disk);

    [LoggerMessage(EventId = 10731, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) of template {Template}, left STARTED by the last engine")]
    public static partial void RecoveringTemplate(ILogger logger, Guid job, string description, string template);
}
