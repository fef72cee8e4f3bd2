namespace Sanpool.Cli.Commands;

/// <summary>
/// Progress of a long operation on stderr: a bar redrawn in place on a terminal, a line per
/// tenth otherwise (logs and pipes).
/// </summary>
internal sealed class Progress
{
    private readonly string _what;
    private readonly bool _tty = !Console.IsErrorRedirected;
    private int _lastTenth = -1;
    private int _lastPercent = -1;

    public Progress(string what) => _what = what;

    public void Report(double percent)
    {
        int p = (int)Math.Clamp(percent, 0, 100);
        if (_tty)
        {
            if (p != _lastPercent)
            {
                _lastPercent = p;
                int filled = p / 5;
                Console.Error.Write($"\r{_what} [{new string('#', filled)}{new string('.', 20 - filled)}] {p,3}%");
            }
        }
        else if (p / 10 > _lastTenth)
        {
            _lastTenth = p / 10;
            Console.Error.WriteLine($"{_what}: {p}%");
        }
    }

    /// <summary>Ends the bar where it is (the operation failed or was left): a new line on a terminal.</summary>
    public void Stop()
    {
        if (_tty && _lastPercent >= 0)
        {
            Console.Error.WriteLine();
            _lastPercent = -1;
        }
    }

    public void Done()
    {
        Report(100);
        if (_tty)
        {
            Console.Error.WriteLine();
        }
    }
}
