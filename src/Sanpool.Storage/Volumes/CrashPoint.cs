using Sanpool.Core;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// Named points between the steps of structural changes, where tests make the process die
/// with SIGKILL: <c>SANPOOL_CRASH_AT=snapshot.allocated sanpool snapshot create ...</c>. The
/// death is real (kill -9 of ourselves), so nothing after the point runs: no finally block,
/// no flush, no lease release. Unset, a point costs one string comparison.
/// </summary>
public static class CrashPoint
{
    public const string Variable = "SANPOOL_CRASH_AT";

    private static readonly string? Armed = Environment.GetEnvironmentVariable(Variable);

    public static void Hit(string name)
    {
        if (Armed is not null && string.Equals(Armed, name, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"sanpool: crash point {name}: killing process {Environment.ProcessId} with SIGKILL");
            Console.Error.Flush();
            _ = Signals.Kill(Environment.ProcessId, Signals.SIGKILL);
        }
    }
}
