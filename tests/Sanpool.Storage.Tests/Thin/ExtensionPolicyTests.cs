using Sanpool.Core;
using Sanpool.Storage.Thin;

namespace Sanpool.Storage.Tests.Thin;

public sealed class ExtensionPolicyTests
{
    private const long MiB = 1024 * 1024;
    private const long GiB = 1024 * MiB;

    private static readonly ExtensionPolicy Vdsm = new(new ExtensionPolicyOptions());

    private static readonly ExtensionPolicy Predictive = new(new ExtensionPolicyOptions { Mode = ExtensionMode.Predictive });

    [Fact]
    public void Defaults_are_vdsms_chunk_utilization_and_cow_overhead()
    {
        var o = new ExtensionPolicyOptions();
        Assert.Equal(ExtensionMode.Vdsm, o.Mode);
        Assert.Equal(2560 * MiB, o.ChunkBytes);
        Assert.Equal(20, o.UtilizationPercent);
        Assert.Equal(2048 * MiB, o.WatermarkLimit);
        // The block store's preallocated COW size: 10 GiB + 1 GiB + 1 MiB -> 89 extents.
        Assert.Equal(11392 * MiB, o.MaximumSize(10 * GiB));
        // 1 GiB + 102.4 MiB + 1 MiB -> 9 extents.
        Assert.Equal(1152 * MiB, o.MaximumSize(1 * GiB));
    }

    [Fact]
    public void Vdsm_threshold_is_physical_minus_limit_and_fires_at_it()
    {
        long physical = 2688 * MiB;
        var at = Vdsm.Decide(physical, 11264 * MiB, 640 * MiB, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Arm, at.Action);
        Assert.Equal(640 * MiB, at.Threshold);

        // One byte past it, the free space is below the limit.
        var past = Vdsm.Decide(physical, 11264 * MiB, (640 * MiB) + 1, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Extend, past.Action);
        Assert.Equal(5248 * MiB, past.NewSize);
    }

    [Fact]
    public void Vdsm_extends_a_volume_smaller_than_the_limit_before_any_write()
    {
        var d = Vdsm.Decide(128 * MiB, 11264 * MiB, 0, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Extend, d.Action);
        Assert.Equal(1, d.Threshold);
        Assert.Equal(2688 * MiB, d.NewSize);
    }

    [Fact]
    public void Vdsm_caps_at_the_maximum_and_stops_there()
    {
        var capped = Vdsm.Decide(10240 * MiB, 11264 * MiB, 9000 * MiB, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Extend, capped.Action);
        Assert.Equal(11264 * MiB, capped.NewSize);

        Assert.Equal(ExtensionAction.AtMaximum, Vdsm.Decide(11264 * MiB, 11264 * MiB, 11263 * MiB, ThinVolumeState.Empty).Action);
        Assert.Equal(ExtensionAction.AtMaximum, Vdsm.Decide(11392 * MiB, 11264 * MiB, 0, ThinVolumeState.Empty).Action);
    }

    [Fact]
    public void Vdsm_rounds_the_next_size_up_to_whole_extents()
    {
        var policy = new ExtensionPolicy(new ExtensionPolicyOptions { ChunkBytes = 1000 * MiB, UtilizationPercent = 50 });
        Assert.Equal(500 * MiB, policy.Options.WatermarkLimit);
        var d = policy.Decide(1024 * MiB, 20 * GiB, 600 * MiB, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Extend, d.Action);
        Assert.Equal(2048 * MiB, d.NewSize);
    }

    public static TheoryData<ExtensionPolicyOptions> Nonsense() =>
    [
        new ExtensionPolicyOptions { ChunkBytes = 0 },
        new ExtensionPolicyOptions { ChunkBytes = (2 * MiB) + 1 },
        new ExtensionPolicyOptions { UtilizationPercent = 100 },
        new ExtensionPolicyOptions { UtilizationPercent = -1 },
        new ExtensionPolicyOptions { ExtentBytes = 512 * 1024 },
        new ExtensionPolicyOptions { Mode = (ExtensionMode)7 },
        new ExtensionPolicyOptions { InitialLatency = TimeSpan.Zero },
        new ExtensionPolicyOptions { LatencyPercentile = 0 },
        new ExtensionPolicyOptions { LatencyWindow = 0 },
        new ExtensionPolicyOptions { SafetyFactor = 0.5 },
        new ExtensionPolicyOptions { SafetyMargin = TimeSpan.FromSeconds(-1) },
        new ExtensionPolicyOptions { HorizonLeadTimes = 1.5 },
        new ExtensionPolicyOptions { MinimumFreeBytes = -1 },
        new ExtensionPolicyOptions { MinimumSampleSpacing = TimeSpan.FromSeconds(10) },
    ];

    [Theory]
    [MemberData(nameof(Nonsense))]
    public void Nonsense_settings_are_refused_with_a_clear_error(ExtensionPolicyOptions options)
    {
        var e = Assert.Throws<SanpoolException>(() => new ExtensionPolicy(options));
        Assert.Equal(ThinErrors.PolicyInvalid, e.Code);
        Assert.StartsWith("extension policy: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_comes_from_watermark_growth_over_time()
    {
        var s = Predictive.Observe(ThinVolumeState.Empty, TimeSpan.FromSeconds(10), 0);
        Assert.Equal(0, s.Rate);
        s = Predictive.Observe(s, TimeSpan.FromSeconds(11), 100 * MiB);
        Assert.Equal(100.0 * MiB, s.Rate, 1.0);

        // Too close to the last sample: ignored, the base stays.
        var same = Predictive.Observe(s, TimeSpan.FromSeconds(11.05), 200 * MiB);
        Assert.Same(s, same);

        // A faster interval shows at once (the last interval), the average follows slowly.
        s = Predictive.Observe(s, TimeSpan.FromSeconds(12), 400 * MiB);
        Assert.Equal(300.0 * MiB, s.Rate, 1.0);
        Assert.True(s.AverageRate < 200.0 * MiB);

        // The writer stops: the plan keeps the average, decaying.
        s = Predictive.Observe(s, TimeSpan.FromSeconds(13), 400 * MiB);
        Assert.Equal(0, s.LastRate);
        Assert.True(s.Rate > 0);
    }

    [Fact]
    public void Latency_estimate_is_a_percentile_of_a_window_of_recent_ones()
    {
        var policy = new ExtensionPolicy(new ExtensionPolicyOptions { Mode = ExtensionMode.Predictive, LatencyWindow = 4, LatencyPercentile = 50 });
        var s = ThinVolumeState.Empty;
        Assert.Equal(TimeSpan.FromSeconds(1), policy.LatencyEstimate(s));
        foreach (int ms in new[] { 9000, 100, 300, 200, 400 })
        {
            s = policy.WithLatency(s, TimeSpan.FromMilliseconds(ms));
        }

        // 9000 ms fell out of the window of 4; the median (nearest rank) of 100, 200, 300, 400 is 200.
        Assert.Equal(4, s.Latencies.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(200), policy.LatencyEstimate(s));
        Assert.Equal(TimeSpan.FromMilliseconds(1400), policy.LeadTime(s));
    }

    [Fact]
    public void Predictive_with_no_rate_is_never_later_than_vdsm()
    {
        var d = Predictive.Decide(2688 * MiB, 11264 * MiB, 100 * MiB, ThinVolumeState.Empty);
        Assert.Equal(ExtensionAction.Arm, d.Action);
        Assert.Equal(640 * MiB, d.Threshold);
    }

    [Fact]
    public void Predictive_follows_the_worked_example_of_its_documentation()
    {
        var s = ThinVolumeState.Empty;
        for (int i = 0; i < 10; i++)
        {
            s = Predictive.WithLatency(s, TimeSpan.FromSeconds(2.5));
        }

        s = Predictive.Observe(s, TimeSpan.FromSeconds(100), 0);
        s = Predictive.Observe(s, TimeSpan.FromSeconds(101), 600 * MiB);
        Assert.Equal(TimeSpan.FromSeconds(6), Predictive.LeadTime(s));

        var armed = Predictive.Decide(8064 * MiB, 11264 * MiB, 600 * MiB, s);
        Assert.Equal(ExtensionAction.Arm, armed.Action);
        Assert.Equal(4464 * MiB, armed.Threshold);

        var capped = Predictive.Decide(8064 * MiB, 11264 * MiB, (4464 * MiB) + 1, s);
        Assert.Equal(ExtensionAction.Extend, capped.Action);
        Assert.Equal(11264 * MiB, capped.NewSize);

        // Without the cap: 4464 + 3600 + 600 x 12 = 15264 MiB, up to 120 extents.
        var free = Predictive.Decide(8064 * MiB, 40 * GiB, (4464 * MiB) + 1, s);
        Assert.Equal(15360 * MiB, free.NewSize);
    }

    [Fact]
    public void Predictive_does_not_overflow_at_absurd_rates()
    {
        var s = Predictive.Observe(ThinVolumeState.Empty, TimeSpan.Zero, 0);
        s = Predictive.Observe(s, TimeSpan.FromSeconds(0.2), long.MaxValue / 4);
        var d = Predictive.Decide(128 * MiB, 11264 * MiB, 100 * MiB, s);
        Assert.Equal(ExtensionAction.Extend, d.Action);
        Assert.Equal(11264 * MiB, d.NewSize);
    }
}
