using Sanpool.Core.Logging;

namespace Sanpool.Core.Tests;

public sealed class LogThrottleTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly SteppedTime _time = new();

    [Fact]
    public void One_message_per_key_per_period_and_the_next_says_how_many_were_held_back()
    {
        var throttle = new LogThrottle(_time, Minute);
        Assert.True(throttle.ShouldLog("export:a", out int suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 5; i++)
        {
            Assert.False(throttle.ShouldLog("export:a", out suppressed));
            Assert.Equal(0, suppressed);
        }

        Assert.True(throttle.ShouldLog("export:b", out _));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(throttle.ShouldLog("export:a", out _));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(throttle.ShouldLog("export:a", out suppressed));
        Assert.Equal(6, suppressed);
        Assert.True(throttle.ShouldLog("export:b", out suppressed));
        Assert.Equal(0, suppressed);
    }

    [Fact]
    public void The_period_runs_from_the_last_line_let_through_not_from_the_last_occurrence()
    {
        var throttle = new LogThrottle(_time, Minute);
        Assert.True(throttle.ShouldLog("k"));
        for (int i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(20));
            bool logged = throttle.ShouldLog("k");
            Assert.Equal(i == 2, logged);
        }
    }

    [Fact]
    public void Occurrences_count_every_call_logged_or_not()
    {
        var throttle = new LogThrottle(_time, Minute);
        Assert.Equal(0, throttle.Occurrences("host 3"));
        for (int i = 0; i < 7; i++)
        {
            throttle.ShouldLog("host 3");
        }

        _time.Advance(Minute);
        throttle.ShouldLog("host 3");

        Assert.Equal(8, throttle.Occurrences("host 3"));
        Assert.Equal(0, throttle.Occurrences("host 4"));
    }

    [Fact]
    public void A_zero_period_lets_every_line_through()
    {
        var throttle = new LogThrottle(_time, TimeSpan.Zero);

        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(throttle.ShouldLog("k", out int suppressed) && suppressed == 0));
        Assert.Equal(3, throttle.Occurrences("k"));
    }

    [Fact]
    public void A_forgotten_key_is_logged_at_once_and_counted_afresh()
    {
        var throttle = new LogThrottle(_time, Minute);
        throttle.ShouldLog("volume");
        throttle.ShouldLog("volume");

        throttle.Forget("volume");

        Assert.True(throttle.ShouldLog("volume", out int suppressed));
        Assert.Equal(0, suppressed);
        Assert.Equal(1, throttle.Occurrences("volume"));
    }

    [Fact]
    public void A_negative_period_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogThrottle(_time, TimeSpan.FromSeconds(-1)));

    [Fact]
    public async Task Concurrent_callers_let_exactly_one_line_through_per_period()
    {
        var throttle = new LogThrottle(_time, Minute);
        int logged = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                if (throttle.ShouldLog("k"))
                {
                    Interlocked.Increment(ref logged);
                }
            }
        })));

        Assert.Equal(1, logged);
        Assert.Equal(8000, throttle.Occurrences("k"));
    }
}
