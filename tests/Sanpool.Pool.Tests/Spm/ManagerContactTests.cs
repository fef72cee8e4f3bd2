using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Pool.Spm;

namespace Sanpool.Pool.Tests.Spm;

/// <summary>The fallback of a host the engine runs, on a clock the test moves.</summary>
public sealed class ManagerContactTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_host_that_runs_its_own_election_always_contends_with_its_priority()
    {
        var time = new ManualTimeProvider();
        var contact = new ManagerContact(managed: false, priority: 7, Grace, time, NullLogger.Instance);
        Assert.Equal(7, contact.Priority());
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(7, contact.Priority());
        Assert.True(contact.ElectsItself);
    }

    [Fact]
    public void A_managed_host_stands_back_while_the_manager_calls_and_elects_by_itself_once_it_is_silent_for_the_grace()
    {
        var time = new ManualTimeProvider();
        var contact = new ManagerContact(managed: true, priority: 4, Grace, time, NullLogger.Instance);

        // From the agent's start the grace runs as if the manager had just called.
        Assert.Equal(-1, contact.Priority());
        time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(-1, contact.Priority());
        Assert.False(contact.ElectsItself);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(4, contact.Priority());
        Assert.True(contact.ElectsItself);

        // The manager is back: it decides again, at once, for another grace.
        contact.Touch();
        Assert.Equal(-1, contact.Priority());
        Assert.Equal(TimeSpan.Zero, contact.Silence);
        time.Advance(Grace / 2);
        contact.Touch();
        time.Advance(Grace / 2);
        Assert.Equal(-1, contact.Priority());
        time.Advance(Grace / 2);
        Assert.Equal(4, contact.Priority());
    }

    [Fact]
    public void A_managed_host_of_priority_minus_one_never_contends_even_without_its_manager()
    {
        var time = new ManualTimeProvider();
        var contact = new ManagerContact(managed: true, priority: -1, Grace, time, NullLogger.Instance);
        time.Advance(Grace * 10);
        Assert.Equal(-1, contact.Priority());
    }

    [Theory]
    [InlineData(-2, 1)]
    [InlineData(11, 1)]
    [InlineData(5, 0)]
    public void Bad_priorities_and_graces_are_refused(int priority, int graceSeconds)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            new ManagerContact(true, priority, TimeSpan.FromSeconds(graceSeconds), new ManualTimeProvider(), NullLogger.Instance));
    }
}
