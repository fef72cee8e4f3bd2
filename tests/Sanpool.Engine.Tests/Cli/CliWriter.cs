using System.Text;

namespace Sanpool.Engine.Tests.Cli;

/// <summary>A writer a test may read while a verb still writes to it (events --follow).</summary>
internal sealed class CliWriter : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _text.Append(value);
        }
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        Write(value + NewLine);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync()
    {
        Write(NewLine);
        return Task.CompletedTask;
    }

    /// <summary>Waits until the text holds <paramref name="expected"/>.</summary>
    public async Task WaitForAsync(string expected, Task<CliRun> running, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!Text.Contains(expected, StringComparison.Ordinal))
        {
            if (running.IsCompleted)
            {
                Assert.Fail($"the verb ended before printing \"{expected}\": {await running}");
            }

            Assert.True(clock.Elapsed < timeout, $"no \"{expected}\" within {timeout}: {Text}");
            await Task.Delay(50);
        }
    }
}
