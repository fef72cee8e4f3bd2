using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Data;

/// <summary>What the database layer logs; event ids 1000..1019.</summary>
internal static partial class EngineDataLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "{Database}: schema version {Version} applied ({Name}) in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, string database, int version, string name, long elapsedMs);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{Database}: schema at version {Version}, nothing to migrate")]
    public static partial void SchemaCurrent(ILogger logger, string database, int version);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "{Database}: schema version {Version} is newer than this engine's {Known}; refusing to start")]
    public static partial void SchemaNewer(ILogger logger, string database, int version, int known);
}
