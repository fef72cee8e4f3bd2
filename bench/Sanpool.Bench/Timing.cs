using System.Diagnostics;

namespace Sanpool.Bench;

/// <summary>Wall-clock time of one awaited call, on the monotonic clock.</summary>
internal static class Timing
{
    public static async Task<TimeSpan> TimeAsync(Func<Task> call)
    {
        long start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start);
    }
}
