namespace Sanpool.Cli.Commands;

/// <summary>
/// Progress of a long operation on stderr: a bar redrawn in place on a terminal, a line per
/// tenth otherwise (logs and pipes).
/// </summary>
internal sealed class Progress
{
    private readonly string _what;
    private readonly TextWriter _error;
    private readonly bool _tty;
    private int _lastTenth = -1;
    private int _lastPercent = -1;

    public Progress(string what)
        : this(what, Console.Error, !Console.IsErrorRedirected)
    {
    }

    /// <param name="error">Where the bar goes; <paramref name="tty"/> says whether it is a terminal (a bar redrawn in place) or not (a line per tenth).</param>
    public Progress(string what, TextWriter error, bool tty)
    {
        _what = what;
        _error = error;
        _tty = tty;
    }

    public void Report(double percent)
    {
        int p = (int)Math.Clamp(percent, 0, 100);
        if (_tty)
        {
            if (p != _lastPercent)
            {
                _lastPercent = p;
                int filled = p / 5;
                _error.Write($"\r{_what} [{new string('#', filled)}{new string('.', 20 - filled)}] {p,3}%");
            }
        }
        else if (p / 10 > _lastTenth)
        {
            _lastTenth = p / 10;
            _error.WriteLine($"{_what}: {p}%");
        }
    }

    /// <summary>Ends the bar where it is (the operation failed or was left): a new line on a terminal.</summary>
    public void Stop()
    {
        if (_tty && _lastPercent >= 0)
        {
            _error.WriteLine();
            _lastPercent = -1;
        }
    }

    public void Done()
    {
        Report(100);
        if (_tty)
        {
            _error.WriteLine();
        }
    }
}
