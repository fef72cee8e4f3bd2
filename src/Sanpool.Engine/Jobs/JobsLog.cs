using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Jobs;

/// <summary>What the storage jobs log, with stable event ids (10700 band).</summary>
internal static partial class JobsLog
{
    [LoggerMessage(EventId = 10700, Level = LogLevel.Information, Message = "job {Job} ({Description}) {Outcome}: {Message}")]
    public static partial void Ended(ILogger logger, Guid job, string description, string outcome, string message);

    [LoggerMessage(EventId = 10701, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) on disk {Disk}, left STARTED by the last engine")]
    public static partial void Recovering(ILogger logger, Guid job, string description, Guid disk);

    [LoggerMessage(EventId = 10704, Level = LogLevel.Warning, Message = "{Verb} on image {Image} not taken by an SPM yet, trying again: {Error}")]
    public static partial void SubmitRetried(ILogger logger, string verb, Guid image, string error);

    [LoggerMessage(EventId = 10703, Level = LogLevel.Error, Message = "job {Job} stopped before its end and stays STARTED until the next engine start recovers it: {Error}")]
    public static partial void Stuck(ILogger logger, Guid job, string error);

    [LoggerMessage(EventId = 10705, Level = LogLevel.Warning, Message = "SPM task {Task} of data center {Pool} ended but was not cleared (it keeps one of the SPM's task slots until 'sanpool task clear'): {Error}")]
    public static partial void TaskNotCleared(ILogger logger, Guid task, Guid pool, string error);
}
