using Microsoft.Extensions.Logging;

namespace Sanpool.Cli.Commands;

/// <summary>Why an agent process stops: said once, so a log that ends tells whether a signal or the agent itself ended it.</summary>
internal static partial class AgentRunLog
{
    [LoggerMessage(EventId = 744, Level = LogLevel.Warning, Message = "host {HostId} (pid {Pid}): stopping: SIGTERM or SIGINT received")]
    public static partial void Signalled(ILogger logger, int hostId, int pid);

    [LoggerMessage(EventId = 745, Level = LogLevel.Warning, Message = "host {HostId} (pid {Pid}): stopping: its connection to pool {Pool} ended")]
    public static partial void Ended(ILogger logger, int hostId, int pid, Guid pool);
}
