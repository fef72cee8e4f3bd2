using System.Globalization;
using System.Text;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// Reads qemu-img's <c>-p</c> progress from its stdout as it arrives. qemu-img redraws one line:
/// each update is <c>"    (NN.NN/100%)"</c> followed by a carriage return, and the last one by a
/// newline, so output arrives in arbitrary chunks that may split an update. The parser keeps
/// the unfinished tail and reports each new percentage once, never going backwards.
/// </summary>
public sealed class QemuProgressParser
{
    private readonly Action<double> _report;
    private readonly StringBuilder _pending = new();
    private double _last = -1;

    public QemuProgressParser(Action<double> report)
    {
        _report = report;
    }

    /// <summary>The last percentage reported, or -1 before the first.</summary>
    public double Last => _last;

    /// <summary>Feeds the next chunk of stdout.</summary>
    public void Feed(ReadOnlySpan<char> chunk)
    {
        foreach (char c in chunk)
        {
            if (c is '\r' or '\n')
            {
                Complete();
            }
            else
            {
                _pending.Append(c);
            }
        }
    }

    /// <summary>Parses whatever is left once stdout has ended.</summary>
    public void Finish() => Complete();

    private void Complete()
    {
        if (_pending.Length == 0)
        {
            return;
        }

        string update = _pending.ToString().Trim();
        _pending.Clear();
        if (TryParse(update, out double percent) && percent > _last)
        {
            _last = percent;
            _report(percent);
        }
    }

    /// <summary>Parses one update, "(NN.NN/100%)".</summary>
    public static bool TryParse(string update, out double percent)
    {
        percent = 0;
        const string Tail = "/100%)";
        if (!update.StartsWith('(') || !update.EndsWith(Tail, StringComparison.Ordinal))
        {
            return false;
        }

        return double.TryParse(update.AsSpan(1, update.Length - 1 - Tail.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out percent)
            && percent is >= 0 and <= 100;
    }
}
