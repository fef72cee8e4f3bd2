using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sanpool.Pool.Tests.Thin;

/// <summary>Keeps every log line with its event id, so tests can count them.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));

    public int Count(int eventId) => Lines.Count(l => l.EventId == eventId);
}
