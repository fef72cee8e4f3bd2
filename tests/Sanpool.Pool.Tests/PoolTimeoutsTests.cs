namespace Sanpool.Pool.Tests;

/// <summary>The pool layer's delays: the election's wait by priority and lost tries, and the periods derived from the monitor's.</summary>
public sealed class PoolTimeoutsTests
{
    [Fact]
    public void A_higher_priority_waits_less_and_the_jitter_adds_at_most_its_bound()
    {
        for (int priority = 0; priority < 10; priority++)
        {
            Assert.True(PoolTimeouts.ElectionDelay(priority + 1, 0, 0) < PoolTimeouts.ElectionDelay(priority, 0, 0), $"priority {priority + 1} against {priority}");
            Assert.Equal(PoolTimeouts.ElectionJitter, PoolTimeouts.ElectionDelay(priority, 0, 1) - PoolTimeouts.ElectionDelay(priority, 0, 0));
        }

        // Ten priority steps apart (10 against 0) no jitter reverses the order; one step apart (190 ms) it may.
        Assert.True(PoolTimeouts.ElectionDelay(10, 0, 1) < PoolTimeouts.ElectionDelay(0, 0, 0));

        Assert.Equal(TimeSpan.FromMilliseconds(100), PoolTimeouts.ElectionDelay(10, 0, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), PoolTimeouts.ElectionDelay(0, 0, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), PoolTimeouts.ElectionDelay(0, 0, 1));
    }

    [Fact]
    public void Each_lost_try_doubles_the_wait_up_to_a_bound()
    {
        var first = PoolTimeouts.ElectionDelay(5, 0, 0);

        Assert.Equal(first * 2, PoolTimeouts.ElectionDelay(5, 1, 0));
        Assert.Equal(first * 32, PoolTimeouts.ElectionDelay(5, PoolTimeouts.MaxBackoffDoublings, 0));
        Assert.Equal(first * 32, PoolTimeouts.ElectionDelay(5, 40, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PoolTimeouts.ElectionDelay(11, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PoolTimeouts.ElectionDelay(-1, 0, 0));
    }

    [Fact]
    public void Step_down_and_staleness_are_five_monitor_periods()
    {
        var fast = PoolTimeouts.Default with { MonitorPeriod = TimeSpan.FromMilliseconds(300) };

        Assert.Equal(TimeSpan.FromSeconds(10), PoolTimeouts.Default.StepDownAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), PoolTimeouts.Default.ReportStaleAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), fast.StepDownAfter);
        Assert.True(PoolTimeouts.Default.CheckTimeout <= PoolTimeouts.Default.StepDownAfter, "one hung check must not outlast the step-down bound");
    }
}
