using System.Globalization;

namespace Sanpool.LeaseDaemon.Native;

/// <summary>
/// Reads a process's state from /proc/PID/stat: "PID (COMM) STATE PPID ...". COMM may hold
/// spaces and parentheses, so fields are counted from the last ')'.
/// </summary>
public static class ProcessInspector
{
    // Field 3 is the state; field 22 the start time (proc(5)). After ") " field 3 is index 0.
    private const int StartTimeIndex = 22 - 3;

    public static async Task<ProcessSnapshot> ReadAsync(int pid, CancellationToken cancellationToken)
    {
        string stat;
        try
        {
            stat = await File.ReadAllTextAsync($"/proc/{pid}/stat", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            // The directory vanishes, or a read races the exit (ESRCH): either way it is gone.
            return ProcessSnapshot.Gone;
        }

        return Parse(stat);
    }

    public static ProcessSnapshot Parse(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length)
        {
            return ProcessSnapshot.Gone;
        }

        var fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length <= StartTimeIndex)
        {
            return ProcessSnapshot.Gone;
        }

        var state = fields[0] switch
        {
            "T" or "t" => ProcessState.Stopped,
            "Z" or "X" or "x" => ProcessState.Zombie,
            _ => ProcessState.Running,
        };
        ulong start = ulong.Parse(fields[StartTimeIndex], NumberStyles.None, CultureInfo.InvariantCulture);
        return new ProcessSnapshot(state, start);
    }
}
