using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sanpool.Engine.Data;

/// <summary>How an <see cref="EngineDatabase"/> is opened, beyond where it is.</summary>
public sealed record EngineDatabaseOptions
{
    public static readonly EngineDatabaseOptions Default = new();

    /// <summary>Where every time the stores write comes from.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// How long a SQLite statement waits for another connection's write lock before it fails
    /// (SQLite has one writer at a time); also the command timeout on both databases.
    /// </summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
