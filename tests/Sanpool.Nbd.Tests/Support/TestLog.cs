using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Sanpool.Nbd.Tests.Support;

/// <summary>A logger that keeps every line (for assertions on what was logged) and echoes it to the test's output.</summary>
internal sealed class TestLog(ITestOutputHelper? output) : ILogger
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Text)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public int Count(int eventId) => Lines.Count(l => l.EventId == eventId);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string text = formatter(state, exception) + (exception is null ? "" : " " + exception);
        Lines.Enqueue((logLevel, eventId.Id, text));
        try
        {
            output?.WriteLine($"{logLevel}: {text}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; shutdown lines have nowhere to go.
        }
    }
}
