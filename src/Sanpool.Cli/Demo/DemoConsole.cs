using System.Diagnostics;
using System.Globalization;

namespace Sanpool.Cli.Demo;

/// <summary>The pool demo's output: progress lines stamped with the seconds since it started, sections, and plain-text tables.</summary>
internal sealed class DemoConsole
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>"[  12.3 s] text": what is happening now, or why it waits.</summary>
    public void Step(string text) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0} s] {text}"));

    public static void Section(string title)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine(new string('-', title.Length));
    }

    /// <summary>Columns padded to their widest cell, two spaces apart.</summary>
    public static void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        Console.WriteLine(Commands.TextTable.Format([.. rows.Prepend(header).Select(r => r.ToArray())]));
    }

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
