using Sanpool.Harness.ThinSimulation;
using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Tests.Thin;

public sealed class ThinWriteSimulatorTests
{
    private const double MiB = 1024 * 1024;

    /// <summary>A VM that boots for 5 s: the first extension (from one extent) lands before it writes.</summary>
    private static readonly ThinSimulationSettings Booted = new() { WriterStart = TimeSpan.FromSeconds(5) };

    /// <summary>A booted VM whose writer reaches its rate over 10 s (steady from then on).</summary>
    private static readonly ThinSimulationSettings Steady = Booted with { RampUp = TimeSpan.FromSeconds(10) };

    private static readonly ExtensionPolicyOptions PredictiveOptions = new() { Mode = ExtensionMode.Predictive };

    [Fact]
    public void A_steady_writer_pauses_in_vdsm_mode_but_not_in_predictive_mode()
    {
        // 1.5 s per extension, 2 GiB/s: VDSM's 2048 MiB of free space last 1 s.
        var settings = Steady with { Latency = LatencyModel.Fixed(TimeSpan.FromSeconds(1.5)), RateBytesPerSecond = 2048 * MiB };

        var vdsm = ThinWriteSimulator.Run(settings);
        var predictive = ThinWriteSimulator.Run(settings with { Policy = PredictiveOptions });

        Assert.True(vdsm.Pauses > 0, $"VDSM mode paused {vdsm.Pauses} times");
        Assert.Equal(0, predictive.Pauses);
        Assert.False(predictive.Stuck);
        Assert.Equal(8L * 1024 * 1024 * 1024, predictive.Written);
        Assert.True(predictive.Requests < vdsm.Requests, $"predictive asked {predictive.Requests} times, VDSM {vdsm.Requests}");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(500)]
    [InlineData(2000)]
    [InlineData(8000)]
    public void Predictive_mode_never_pauses_a_steady_writer_whose_round_trip_it_has_seen(int mibPerSecond)
    {
        var settings = Steady with
        {
            Policy = PredictiveOptions,
            Latency = LatencyModel.Uniform(TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.8)),
            RateBytesPerSecond = mibPerSecond * MiB,
        };

        var result = ThinWriteSimulator.Run(settings);
        Assert.Equal(0, result.Pauses);
        Assert.False(result.Stuck);
    }

    [Fact]
    public void A_writer_at_full_rate_from_its_first_write_is_bound_by_the_idle_free_space_in_both_modes()
    {
        // No rate was seen before the first crossing: both leave VDSM's 2048 MiB, which must last 2 s.
        var settings = Booted with { Latency = LatencyModel.Fixed(TimeSpan.FromSeconds(2)) };
        double vdsm = ThinWriteSimulator.FindHighestRate(settings, 1 * MiB, 65536 * MiB, 0.005);
        double predictive = ThinWriteSimulator.FindHighestRate(settings with { Policy = PredictiveOptions }, 1 * MiB, 65536 * MiB, 0.005);
        Assert.InRange(vdsm / MiB, 1000, 1030);

        // A sample may see the rate just before the crossing and ask with a little more left.
        Assert.InRange(predictive / MiB, 1000, 1100);
    }

    [Fact]
    public void Vdsm_mode_sustains_the_watermark_limit_over_the_latency()
    {
        // Fixed 2 s: the threshold leaves 2048 MiB, which last 2 s at 1024 MiB/s, ramp or not.
        var settings = Steady with { Latency = LatencyModel.Fixed(TimeSpan.FromSeconds(2)) };
        double highest = ThinWriteSimulator.FindHighestRate(settings, 1 * MiB, 65536 * MiB, 0.005);
        Assert.InRange(highest / MiB, 1000, 1030);
    }

    [Fact]
    public void A_writer_that_starts_at_once_is_limited_by_the_first_extent_in_both_modes()
    {
        var settings = new ThinSimulationSettings { Latency = LatencyModel.Fixed(TimeSpan.FromSeconds(2)) };
        double vdsm = ThinWriteSimulator.FindHighestRate(settings, 1 * MiB, 65536 * MiB, 0.005);
        double predictive = ThinWriteSimulator.FindHighestRate(settings with { Policy = PredictiveOptions }, 1 * MiB, 65536 * MiB, 0.005);

        // 128 MiB must last the first 2 s round trip: 64 MiB/s.
        Assert.InRange(vdsm / MiB, 63, 64.5);
        Assert.InRange(predictive / MiB, 63, 64.5);
    }

    [Fact]
    public void Pausing_writers_resume_when_the_extension_lands_and_finish()
    {
        var settings = Booted with { Latency = LatencyModel.Fixed(TimeSpan.FromSeconds(3)), RateBytesPerSecond = 4096 * MiB };
        var result = ThinWriteSimulator.Run(settings);
        Assert.True(result.Pauses > 0);
        Assert.False(result.Stuck);
        Assert.Equal(8L * 1024 * 1024 * 1024, result.Written);
        Assert.True(result.Paused > TimeSpan.Zero);
        Assert.Equal(9088L * 1024 * 1024, result.FinalSize);
    }

    [Fact]
    public void A_run_is_deterministic()
    {
        var settings = Booted with { Latency = LatencyModel.Uniform(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4)), RateBytesPerSecond = 700 * MiB };
        Assert.Equal(ThinWriteSimulator.Run(settings), ThinWriteSimulator.Run(settings));
    }
}
