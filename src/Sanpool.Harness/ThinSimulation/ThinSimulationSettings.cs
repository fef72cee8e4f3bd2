using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Harness.ThinSimulation;

/// <summary>
/// One simulated run: a guest writing sequentially at <see cref="RateBytesPerSecond"/> into a thin
/// disk of <see cref="CapacityBytes"/> that starts at <see cref="InitialSizeBytes"/>, watched by
/// the monitor's rules under <see cref="Policy"/>, with every extension taking a latency from <see cref="Latency"/>.
/// </summary>
public sealed record ThinSimulationSettings
{
    private const long MiB = 1024 * 1024;

    public ExtensionPolicyOptions Policy { get; init; } = new();

    public ThinMonitorOptions Monitor { get; init; } = new();

    public LatencyModel Latency { get; init; } = LatencyModel.Fixed(TimeSpan.FromSeconds(1));

    /// <summary>The disk's virtual size; its LV may grow to the policy's maximum for it (x 1.1, extents).</summary>
    public long CapacityBytes { get; init; } = 8L * 1024 * MiB;

    /// <summary>The LV's size at prepare (one extent).</summary>
    public long InitialSizeBytes { get; init; } = 128 * MiB;

    /// <summary>How much the guest writes (default: the whole capacity).</summary>
    public long? BytesToWrite { get; init; }

    public double RateBytesPerSecond { get; init; } = 100.0 * MiB;

    /// <summary>When the guest starts writing after the volume is prepared (0: at once; a VM boots for seconds).</summary>
    public TimeSpan WriterStart { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The writer's rate rises linearly from 0 to <see cref="RateBytesPerSecond"/> over this much
    /// writing time (0: full rate from the first write, a step no policy can foresee).
    /// </summary>
    public TimeSpan RampUp { get; init; } = TimeSpan.Zero;

    /// <summary>The size of the write that hits ENOSPC: the room a paused VM needs before it resumes.</summary>
    public long WriteSizeBytes { get; init; } = 1 * MiB;

    /// <summary>From the mapped extension to the guest writing again (QMP cont).</summary>
    public TimeSpan ResumeDelay { get; init; } = TimeSpan.Zero;

    public long Total => BytesToWrite ?? CapacityBytes;
}
