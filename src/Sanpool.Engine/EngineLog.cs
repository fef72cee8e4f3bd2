using Microsoft.Extensions.Logging;

namespace Sanpool.Engine;

/// <summary>What the engine process logs about itself, with stable event ids (10590 band).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 10590, Level = LogLevel.Information, Message = "sanpool-engine {Version} listening on {Address}")]
    public static partial void Listening(ILogger logger, string version, string address);

    [LoggerMessage(EventId = 10591, Level = LogLevel.Information, Message = "database: {Database}")]
    public static partial void Database(ILogger logger, string database);

    [LoggerMessage(EventId = 10592, Level = LogLevel.Information, Message = "database {Database}: schema version {Before} -> {After}, {Applied} migration(s) applied")]
    public static partial void Migrated(ILogger logger, string database, int before, int after, int applied);

    [LoggerMessage(EventId = 10593, Level = LogLevel.Warning, Message = "stopping (pid {Pid}): SIGTERM or SIGINT received")]
    public static partial void Stopping(ILogger logger, int pid);

    [LoggerMessage(EventId = 10594, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 10595, Level = LogLevel.Warning, Message = "removed the stale socket {Path} (nothing listened on it)")]
    public static partial void StaleSocketRemoved(ILogger logger, string path);
}
