using System.Globalization;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>Sends daemon logs to the test's output, stamped with monotonic seconds, so a failed test shows the daemon's view.</summary>
internal sealed class TestLog(ITestOutputHelper output, string prefix) : ILoggerProvider
{
    public static ILoggerFactory Factory(ITestOutputHelper output, string prefix) =>
        LoggerFactory.Create(b => b.AddProvider(new TestLog(output, prefix)).SetMinimumLevel(LogLevel.Debug));

    public ILogger CreateLogger(string categoryName) => new Writer(output, prefix);

    public void Dispose()
    {
    }

    private sealed class Writer(ITestOutputHelper output, string prefix) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Leases.MonotonicClock.System.Now.TotalSeconds:0.000} {prefix} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}"));
            }
            catch (InvalidOperationException)
            {
                // The test has finished; later lines (shutdown) have nowhere to go.
            }
        }
    }
}
