namespace Sanpool.Harness.ThinSimulation;

/// <summary>
/// A writer whose rate rises linearly from 0 to <see cref="RateBytesPerSecond"/> over
/// <see cref="RampUp"/> of writing time and then holds (0: full rate from the first byte).
/// Time here is the writer's active time: a paused guest's clock does not advance. Shared by
/// the simulator and the benchmark's real writer, which paces <c>qemu-io</c> by it.
/// <code>
///  rate                                 position(t)
///   R |     ______________               t &lt;= ramp: R t^2 / (2 ramp)
///     |    /                             t &gt;  ramp: R ramp / 2 + R (t - ramp)
///     |   /
///   0 +--+-----------------> t
///        ramp
/// </code>
/// </summary>
public sealed record WriterRamp
{
    public WriterRamp(double rateBytesPerSecond, TimeSpan rampUp)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rateBytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(rampUp, TimeSpan.Zero);
        RateBytesPerSecond = rateBytesPerSecond;
        RampUp = rampUp;
    }

    public double RateBytesPerSecond { get; }

    public TimeSpan RampUp { get; }

    /// <summary>Bytes written after <paramref name="activeSeconds"/> seconds of writing.</summary>
    public double Position(double activeSeconds)
    {
        double ramp = RampUp.TotalSeconds;
        double rate = RateBytesPerSecond;
        return activeSeconds <= ramp && ramp > 0
            ? rate * activeSeconds * activeSeconds / (2 * ramp)
            : (rate * ramp / 2) + (rate * (activeSeconds - ramp));
    }

    /// <summary>The inverse of <see cref="Position"/>: the writing time after which <paramref name="position"/> bytes are written.</summary>
    public double ActiveTimeAt(double position)
    {
        double ramp = RampUp.TotalSeconds;
        double rate = RateBytesPerSecond;
        return position <= rate * ramp / 2
            ? Math.Sqrt(2 * ramp * position / rate)
            : ramp + ((position - (rate * ramp / 2)) / rate);
    }
}
