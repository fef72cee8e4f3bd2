namespace Sanpool.Nbd.Tests;

public sealed class LogThrottleTests
{
    [Fact]
    public void One_message_per_key_per_period_and_the_next_says_how_many_were_held_back()
    {
        var time = new SteppedTime();
        var throttle = new LogThrottle(time, TimeSpan.FromMinutes(1));
        Assert.True(throttle.ShouldLog("export:a", out int suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 5; i++)
        {
            Assert.False(throttle.ShouldLog("export:a", out _));
        }

        Assert.True(throttle.ShouldLog("export:b", out _));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(throttle.ShouldLog("export:a", out _));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(throttle.ShouldLog("export:a", out suppressed));
        Assert.Equal(6, suppressed);
    }

    /// <summary>A clock that moves only when told.</summary>
    private sealed class SteppedTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
