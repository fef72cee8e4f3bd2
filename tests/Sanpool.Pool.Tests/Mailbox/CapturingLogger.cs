using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sanpool.Pool.Tests.Mailbox;

/// <summary>An ILogger that keeps (event id, level, message) for assertions about what was logged and how often.</summary>
internal sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Lines { get; } = new();

    public int Count(int eventId) => Lines.Count(l => l.EventId == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Lines.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
