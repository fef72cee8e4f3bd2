using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Sanpool.Agent.Tests.Api;

/// <summary>Keeps what the API logs, for assertions, and shows it in the test's output when there is one.</summary>
internal sealed class TestLog : ILoggerProvider
{
    private readonly ITestOutputHelper? _output;

    public TestLog(ITestOutputHelper? output)
    {
        _output = output;
        Factory = LoggerFactory.Create(b => b.AddProvider(this).SetMinimumLevel(LogLevel.Debug));
    }

    public ILoggerFactory Factory { get; }

    public ConcurrentQueue<(LogLevel Level, int EventId, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Writer(this);

    public void Dispose() => Factory.Dispose();

    private sealed class Writer(TestLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            log.Entries.Enqueue((logLevel, eventId.Id, message, exception));
            try
            {
                log._output?.WriteLine($"{logLevel}: {message}{(exception is null ? "" : " " + exception.GetType().Name)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; later lines have nowhere to go.
            }
        }
    }
}
