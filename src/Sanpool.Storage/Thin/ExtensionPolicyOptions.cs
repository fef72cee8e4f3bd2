using System.Globalization;
using Sanpool.Core;

namespace Sanpool.Storage.Thin;

/// <summary>
/// The settings of <see cref="ExtensionPolicy"/>. The defaults are VDSM's (<c>[irs]
/// volume_utilization_chunk_mb = 2560</c>, <c>volume_utilization_percent = 20</c>, COW overhead
/// 1.1) on a block domain's 128 MiB extents; the predictive settings only matter in
/// <see cref="ExtensionMode.Predictive"/>. <see cref="Validate"/> refuses nonsense.
/// </summary>
public sealed record ExtensionPolicyOptions
{
    public const long MiB = 1024 * 1024;

    public ExtensionMode Mode { get; init; } = ExtensionMode.Vdsm;

    /// <summary>One extension step (VDSM's volume_utilization_chunk_mb), bytes; a whole number of MiB.</summary>
    public long ChunkBytes { get; init; } = 2560 * MiB;

    /// <summary>
    /// VDSM's volume_utilization_percent: extend when the free space falls below
    /// (100 - percent) % of a chunk. 0 .. 99 (100 would never leave free space to write into).
    /// </summary>
    public int UtilizationPercent { get; init; } = 20;

    /// <summary>LV sizes are whole extents: every size asked for is rounded up to this (block domains: 128 MiB).</summary>
    public long ExtentBytes { get; init; } = 128 * MiB;

    /// <summary>Predictive: the extension latency assumed before any was measured.</summary>
    public TimeSpan InitialLatency { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Predictive: how many of the most recent measured latencies are kept.</summary>
    public int LatencyWindow { get; init; } = 16;

    /// <summary>Predictive: which percentile of the kept latencies is planned for (100 = the worst one).</summary>
    public int LatencyPercentile { get; init; } = 90;

    /// <summary>Predictive: the planned latency is multiplied by this (headroom for a slower round trip than seen).</summary>
    public double SafetyFactor { get; init; } = 2.0;

    /// <summary>Predictive: added to the scaled latency (covers sampling delay and a rate that rises between samples).</summary>
    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Predictive: the time constant of the write-rate moving average.</summary>
    public TimeSpan RateTimeConstant { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Predictive: samples closer together than this are not used for a rate (too noisy).</summary>
    public TimeSpan MinimumSampleSpacing { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Predictive: an extension leaves room for this many lead times of writing beyond the free
    /// space asked for, so the next request is not due before this one could complete again (at least 2).
    /// </summary>
    public double HorizonLeadTimes { get; init; } = 2.0;

    /// <summary>Predictive: the room an extension leaves is at least this much writing time.</summary>
    public TimeSpan MinimumHorizon { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Predictive: the free space never planned below this; null = VDSM's watermark limit (so never later than VDSM).</summary>
    public long? MinimumFreeBytes { get; init; }

    /// <summary>VDSM's watermark limit: extend when the free space is below (100 - pct) x chunk / 100.</summary>
    public long WatermarkLimit => (100 - UtilizationPercent) * ChunkBytes / 100;

    /// <summary>The free space predictive mode never plans below.</summary>
    public long PredictiveMinimumFree => MinimumFreeBytes ?? WatermarkLimit;

    /// <summary>
    /// A thin COW volume's maximum, as the SPM caps it and the host exports it: a fully
    /// allocated qcow2's size (<see cref="Volumes.BlockVolumeStore.CowSize"/>) in whole extents.
    /// </summary>
    public long MaximumSize(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        return RoundToExtents(Volumes.BlockVolumeStore.CowSize(capacityBytes));
    }

    /// <summary>Rounds a size up to whole MiB (VDSM's utils.round) and then to whole extents.</summary>
    public long RoundToExtents(long bytes) => RoundUp(RoundUp(bytes, MiB), ExtentBytes);

    /// <summary>Throws <see cref="ThinErrors.PolicyInvalid"/> naming the first setting that makes no sense.</summary>
    public ExtensionPolicyOptions Validate()
    {
        Require(Enum.IsDefined(Mode), $"mode {Mode} is not vdsm or predictive");
        Require(ChunkBytes >= MiB && ChunkBytes % MiB == 0, $"chunk {ChunkBytes} bytes must be a whole number of MiB, at least 1 MiB");
        Require(UtilizationPercent is >= 0 and <= 99, $"utilization percent {UtilizationPercent} must be 0..99");
        Require(ExtentBytes >= MiB && ExtentBytes % MiB == 0, $"extent size {ExtentBytes} bytes must be a whole number of MiB, at least 1 MiB");
        Require(InitialLatency > TimeSpan.Zero, "the initial latency must be positive");
        Require(LatencyWindow is >= 1 and <= 1024, $"latency window {LatencyWindow} must be 1..1024");
        Require(LatencyPercentile is >= 1 and <= 100, $"latency percentile {LatencyPercentile} must be 1..100");
        Require(SafetyFactor is >= 1.0 and <= 100.0, $"safety factor {SafetyFactor.ToString(CultureInfo.InvariantCulture)} must be 1..100");
        Require(SafetyMargin >= TimeSpan.Zero, "the safety margin must not be negative");
        Require(RateTimeConstant > TimeSpan.Zero, "the rate time constant must be positive");
        Require(MinimumSampleSpacing >= TimeSpan.Zero && MinimumSampleSpacing < RateTimeConstant, "the minimum sample spacing must be 0 or more and below the rate time constant");
        Require(HorizonLeadTimes is >= 2.0 and <= 1000.0, $"horizon {HorizonLeadTimes.ToString(CultureInfo.InvariantCulture)} lead times must be 2..1000");
        Require(MinimumHorizon >= TimeSpan.Zero, "the minimum horizon must not be negative");
        Require(MinimumFreeBytes is null or >= 0, $"minimum free {MinimumFreeBytes} bytes must not be negative");
        return this;
    }

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new SanpoolException(ThinErrors.PolicyInvalid, "extension policy: " + message);
        }
    }
}
