using Sanpool.Harness.ThinSimulation;

namespace Sanpool.Pool.Tests.Thin;

public sealed class WriterRampTests
{
    private const double MiB = 1024 * 1024;

    [Fact]
    public void The_rate_ramps_linearly_and_then_holds()
    {
        var ramp = new WriterRamp(100 * MiB, TimeSpan.FromSeconds(4));

        // Half the rate after half the ramp: a quarter of the ramp's 200 MiB.
        Assert.Equal(50 * MiB, ramp.Position(2), 6);
        Assert.Equal(200 * MiB, ramp.Position(4), 6);
        // Then 100 MiB every second.
        Assert.Equal(300 * MiB, ramp.Position(5), 6);
        Assert.Equal(1200 * MiB, ramp.Position(14), 6);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(50.0)]
    [InlineData(200.0)]
    [InlineData(4096.0)]
    public void Active_time_is_the_inverse_of_position(double mib)
    {
        var ramp = new WriterRamp(100 * MiB, TimeSpan.FromSeconds(4));

        Assert.Equal(mib * MiB, ramp.Position(ramp.ActiveTimeAt(mib * MiB)), 3);
    }

    [Fact]
    public void Without_a_ramp_the_writer_is_at_full_rate_from_the_first_byte()
    {
        var ramp = new WriterRamp(400 * MiB, TimeSpan.Zero);

        Assert.Equal(0, ramp.Position(0));
        Assert.Equal(100 * MiB, ramp.Position(0.25), 6);
        Assert.Equal(2.5, ramp.ActiveTimeAt(1000 * MiB), 9);
    }

    [Fact]
    public void A_writer_needs_a_positive_rate()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriterRamp(0, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriterRamp(1, TimeSpan.FromSeconds(-1)));
    }
}
