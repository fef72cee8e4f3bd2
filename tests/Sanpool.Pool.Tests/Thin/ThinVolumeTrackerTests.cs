using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

public sealed class ThinVolumeTrackerTests
{
    private const long MiB = 1024 * 1024;

    private static ThinVolumeTracker NewTracker(ExtensionMode mode = ExtensionMode.Predictive) =>
        new(new ExtensionPolicy(new ExtensionPolicyOptions { Mode = mode }), new ThinMonitorOptions());

    [Fact]
    public void A_request_holds_until_it_completes_and_its_latency_feeds_the_policy()
    {
        var tracker = NewTracker();
        Assert.True(tracker.MayRequest(TimeSpan.Zero));
        tracker.Started(TimeSpan.FromSeconds(1), 2688 * MiB);
        Assert.False(tracker.MayRequest(TimeSpan.FromSeconds(100)));

        TimeSpan latency = tracker.Completed(TimeSpan.FromSeconds(1.3), 2688 * MiB);
        Assert.Equal(TimeSpan.FromSeconds(0.3), latency);
        Assert.Equal([TimeSpan.FromSeconds(0.3)], tracker.State.Latencies);
        Assert.True(tracker.MayRequest(TimeSpan.FromSeconds(1.3)));
        Assert.Equal(1, tracker.Requests);
    }

    [Fact]
    public void A_request_the_spm_failed_meanwhile_does_not_count_as_a_round_trip()
    {
        var tracker = NewTracker();
        tracker.Started(TimeSpan.Zero, 2688 * MiB);
        Assert.Equal(1, tracker.Failed());
        Assert.Equal(2, tracker.Failed());
        tracker.Completed(TimeSpan.FromMinutes(5), 2688 * MiB);
        Assert.Empty(tracker.State.Latencies);
        Assert.Equal(0, tracker.Failures);
    }

    [Fact]
    public void Requests_that_cannot_be_made_back_off_doubling_up_to_the_maximum()
    {
        var tracker = NewTracker();
        var waits = new List<TimeSpan>();
        TimeSpan now = TimeSpan.Zero;
        for (int i = 0; i < 7; i++)
        {
            tracker.Started(now, 2688 * MiB);
            tracker.Threw(now);
            Assert.False(tracker.MayRequest(now));
            waits.Add(tracker.RetryAt - now);
            now = tracker.RetryAt;
            Assert.True(tracker.MayRequest(now));
        }

        Assert.Equal(new[] { 1, 2, 4, 8, 16, 30, 30 }.Select(s => TimeSpan.FromSeconds(s)), waits);
        tracker.Started(now, 2688 * MiB);
        tracker.Completed(now + TimeSpan.FromSeconds(1), 2688 * MiB);
        Assert.Equal(0, tracker.ConsecutiveErrors);
    }

    [Fact]
    public void A_refused_write_counts_as_written_until_the_volume_has_room_for_it()
    {
        var tracker = NewTracker(ExtensionMode.Vdsm);
        Assert.Equal(ExtensionAction.Arm, tracker.Decide(2688 * MiB, 11264 * MiB, 0).Action);

        tracker.NeedRoom(2689 * MiB);
        Assert.Equal(ExtensionAction.Extend, tracker.Decide(2688 * MiB, 11264 * MiB, 0).Action);

        // Extended: the demand is met and forgotten, so it does not re-trigger past the new threshold.
        tracker.Started(TimeSpan.Zero, 5248 * MiB);
        tracker.Completed(TimeSpan.FromSeconds(1), 5248 * MiB);
        Assert.Equal(0, tracker.Demand);
        Assert.Equal(ExtensionAction.Arm, tracker.Decide(5248 * MiB, 11264 * MiB, 0).Action);
    }
}
