using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>Waits for a condition that becomes true asynchronously.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = MonotonicClock.System.Now + timeout;
        while (!await condition())
        {
            if (MonotonicClock.System.Now > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
