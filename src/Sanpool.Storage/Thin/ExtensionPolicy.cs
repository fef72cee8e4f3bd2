namespace Sanpool.Storage.Thin;

/// <summary>
/// When and how far a thin volume on a block domain is extended. Pure: no I/O, no clock; every
/// decision is a function of (current size, maximum size, watermark, <see cref="ThinVolumeState"/>),
/// and the state changes only through <see cref="Observe"/> (a watermark sample at a time) and
/// <see cref="WithLatency"/> (a measured extension).
///
/// <para><b>VDSM mode</b> (vdsm lib/vdsm/virt/thinp.py and vmdevices/storage.py, read to check):
/// <c>limit = (100 - utilization%) x chunk / 100</c> (2048 MiB with the defaults);
/// <c>threshold = max(1, physical - limit)</c>; extend when the watermark passes the threshold
/// (qemu's block-threshold event), that is when the free space <c>physical - watermark</c> is
/// below the limit (VDSM's periodic check, which also extends a volume smaller than the limit
/// before its first write); <c>next = min(round_up(physical + chunk, 1 MiB), maximum)</c>, then whole
/// extents (lvextend rounds up). A volume at its maximum stops asking. A steady writer at rate
/// R pauses whenever one round trip takes longer than limit / R: with the defaults and VDSM's
/// 2-4 s round trip, above ~512-1024 MiB/s.</para>
///
/// <para><b>Predictive mode</b> (Sanpool's): plan the free space from the volume's write rate
/// and the measured extension latency instead of a constant.
/// <list type="bullet">
/// <item>rate r: the watermark's growth, <c>max(EWMA over RateTimeConstant, last interval)</c>
/// from the samples the monitor feeds in; quick to rise, slow to fall.</item>
/// <item>latency L: the LatencyPercentile of the last LatencyWindow extensions (request to
/// refreshed mapping; InitialLatency before any).</item>
/// <item>lead time T = L x SafetyFactor + SafetyMargin: how long the free space must last once
/// we ask.</item>
/// <item>free wanted F = max(MinimumFree (default: VDSM's limit), r x T); threshold = max(1,
/// physical - F); extend when the watermark passes it (the free space is below F).</item>
/// <item>new size = max(physical + chunk, watermark + F + r x H), H = max(MinimumHorizon,
/// HorizonLeadTimes x T), to extents, capped at the maximum. With H >= 2T the next request is
/// not due until at least one more latency after this extension lands, so a writer never
/// waits on back-to-back extensions.</item>
/// </list>
/// A steady writer never pauses as long as the real round trip stays below T (and r x T is
/// not more than the maximum allows): its free space at the request is r x T, its need r x L.</para>
///
/// <para><b>Worked example</b> (defaults: chunk 2560 MiB, 20 %, safety 2, margin 1 s, horizon
/// 2 lead times, minimum 5 s). A 10 GiB disk (maximum 11264 MiB) is 8064 MiB now; the guest
/// writes 600 MiB/s steadily; the last extensions took 2.5 s at the 90th percentile. T = 2.5 x 2
/// + 1 = 6 s; F = max(2048, 600 x 6 = 3600) = 3600 MiB, so the threshold is 8064 - 3600 = 4464
/// MiB (VDSM's: 8064 - 2048 = 6016 MiB, whose 2048 MiB last 3.4 s, less than a slow 4 s round
/// trip). When a write passes 4464 MiB: H = max(5, 12) = 12 s; target = 4464 + 3600 + 600 x 12 =
/// 15264 MiB, more than the maximum: ask for 11264 MiB.</para>
/// </summary>
public sealed class ExtensionPolicy
{
    public ExtensionPolicy(ExtensionPolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
    }

    public ExtensionPolicyOptions Options { get; }

    /// <summary>Decides what to do for a volume of <paramref name="currentSize"/> bytes whose highest write ends at <paramref name="highestWrite"/>.</summary>
    public ExtensionDecision Decide(long currentSize, long maximumSize, long highestWrite, ThinVolumeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        double rate = state.Rate;
        if (currentSize >= maximumSize)
        {
            // VDSM: "extended to maximum size, disabling monitoring" (physical may even exceed
            // the maximum, rounded up to an extent).
            return new ExtensionDecision(ExtensionAction.AtMaximum, 0, currentSize, 0, rate);
        }

        long free = FreeWanted(state);
        long threshold = Math.Max(1, currentSize - free);

        // VDSM's periodic check: physical - allocation < limit. qemu's threshold event fires
        // when a write ends past the threshold, the same test for any threshold above 1; for a
        // volume smaller than the limit the check is true before any write.
        bool needs = currentSize - highestWrite < free;
        if (!needs)
        {
            return new ExtensionDecision(ExtensionAction.Arm, threshold, currentSize, free, rate);
        }

        double target = currentSize + Options.ChunkBytes;
        if (Options.Mode == ExtensionMode.Predictive)
        {
            double horizon = Math.Max(Options.MinimumHorizon.TotalSeconds, Options.HorizonLeadTimes * LeadTime(state).TotalSeconds);
            target = Math.Max(target, highestWrite + (double)free + (rate * horizon));
        }

        // Compare as doubles first: a fast rate x horizon may not fit in a long.
        long newSize = target >= maximumSize ? maximumSize : Math.Min(Options.RoundToExtents((long)target), maximumSize);
        return new ExtensionDecision(ExtensionAction.Extend, threshold, newSize, free, rate);
    }

    /// <summary>The free space below which the volume is extended: VDSM's constant limit, or the predictive r x T.</summary>
    public long FreeWanted(ThinVolumeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Options.Mode == ExtensionMode.Vdsm)
        {
            return Options.WatermarkLimit;
        }

        double wanted = state.Rate * LeadTime(state).TotalSeconds;
        return wanted >= long.MaxValue / 2 ? long.MaxValue / 2 : Math.Max(Options.PredictiveMinimumFree, (long)Math.Ceiling(wanted));
    }

    /// <summary>How long the free space must last once an extension is asked for: L x safety + margin.</summary>
    public TimeSpan LeadTime(ThinVolumeState state) => (LatencyEstimate(state) * Options.SafetyFactor) + Options.SafetyMargin;

    /// <summary>The planned extension latency: the configured percentile of the recent ones (nearest rank).</summary>
    public TimeSpan LatencyEstimate(ThinVolumeState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Latencies.Count == 0)
        {
            return Options.InitialLatency;
        }

        var sorted = state.Latencies.Order().ToArray();
        int rank = (int)Math.Ceiling(Options.LatencyPercentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Feeds a watermark sample taken at monotonic time <paramref name="now"/>.</summary>
    public ThinVolumeState Observe(ThinVolumeState state, TimeSpan now, long highestWrite)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.SampleTime is not TimeSpan last || highestWrite < state.SampleWrite || now < last)
        {
            // The first sample (or a new chain under the same volume): a base, no rate yet.
            return state with { SampleTime = now, SampleWrite = highestWrite };
        }

        TimeSpan elapsed = now - last;
        if (elapsed < Options.MinimumSampleSpacing || elapsed <= TimeSpan.Zero)
        {
            return state;
        }

        double seconds = elapsed.TotalSeconds;
        double interval = (highestWrite - state.SampleWrite) / seconds;
        double alpha = 1.0 - Math.Exp(-seconds / Options.RateTimeConstant.TotalSeconds);
        // An idle volume's first growth seeds the average instead of creeping up from zero.
        double average = state.AverageRate == 0 && state.LastRate == 0
            ? interval
            : state.AverageRate + (alpha * (interval - state.AverageRate));
        return state with { SampleTime = now, SampleWrite = highestWrite, AverageRate = average, LastRate = interval };
    }

    /// <summary>Feeds the measured latency of one extension (request sent to refreshed mapping).</summary>
    public ThinVolumeState WithLatency(ThinVolumeState state, TimeSpan latency)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        var kept = state.Latencies.Skip(Math.Max(0, state.Latencies.Count + 1 - Options.LatencyWindow)).Append(latency).ToArray();
        return state with { Latencies = kept };
    }
}
