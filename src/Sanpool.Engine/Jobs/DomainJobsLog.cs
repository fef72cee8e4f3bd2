using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Jobs;

/// <summary>What the data center's storage domain actions log, with stable event ids (10740 band).</summary>
internal static partial class DomainJobsLog
{
    [LoggerMessage(EventId = 10740, Level = LogLevel.Information, Message = "{Action} of storage domain {Domain} in data center {Pool} started as job {Job}")]
    public static partial void Started(ILogger logger, string action, Guid domain, string pool, Guid job);

    [LoggerMessage(EventId = 10741, Level = LogLevel.Information, Message = "storage domain {Domain} in data center {Pool}: {From} -> {To}")]
    public static partial void StatusChanged(ILogger logger, Guid domain, string pool, string from, string to);

    [LoggerMessage(EventId = 10742, Level = LogLevel.Warning, Message = "{Action} of storage domain {Domain} failed on storage: {Error}")]
    public static partial void StorageRefused(ILogger logger, string action, Guid domain, string error);

    [LoggerMessage(EventId = 10743, Level = LogLevel.Warning, Message = "recovering job {Job} ({Description}) on storage domain {Domain}, left STARTED by the last engine")]
    public static partial void Recovering(ILogger logger, Guid job, string description, Guid domain);
}
