using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Hosts;

/// <summary>What the host code logs, with stable event ids (10600 band).</summary>
internal static partial class HostsLog
{
    [LoggerMessage(EventId = 10600, Level = LogLevel.Information, Message = "host {Host} (agent {Address}, host id {HostId}) added to data center {Pool}")]
    public static partial void HostAdded(ILogger logger, string host, string address, int hostId, Guid pool);

    [LoggerMessage(EventId = 10601, Level = LogLevel.Information, Message = "host {Host}: {Before} -> {After}{Reason}")]
    public static partial void StatusChanged(ILogger logger, string host, string before, string after, string reason);

    [LoggerMessage(EventId = 10602, Level = LogLevel.Error, Message = "a host poll round failed; the next one runs in {Seconds} s")]
    public static partial void RoundFailed(ILogger logger, int seconds, Exception exception);

    [LoggerMessage(EventId = 10603, Level = LogLevel.Information, Message = "data center {Pool} imported through {Address}: {Domains} domain(s) and {Disks} disk(s) added, {Skipped} disk(s) skipped")]
    public static partial void Imported(ILogger logger, Guid pool, string address, int domains, int disks, int skipped);

    [LoggerMessage(EventId = 10604, Level = LogLevel.Warning, Message = "data center {Pool}: disk {Disk} not imported: {Reason}")]
    public static partial void DiskSkipped(ILogger logger, Guid pool, Guid disk, string reason);

    [LoggerMessage(EventId = 10605, Level = LogLevel.Information, Message = "host monitor: polling every {Seconds} s")]
    public static partial void MonitorStarted(ILogger logger, int seconds);

    [LoggerMessage(EventId = 10606, Level = LogLevel.Warning, Message = "agent {Address} did not answer, trying another host of its data center: {Error}")]
    public static partial void HostUnanswered(ILogger logger, string address, string error);
}
