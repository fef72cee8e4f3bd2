using Sanpool.Storage.Thin;

namespace Sanpool.Agent;

/// <summary>
/// The agent config's <c>"thin"</c> section: how this host extends the thin volumes it writes.
/// <code>
/// "thin": {
///   "mode": "vdsm",                  vdsm (VDSM's fixed watermark) or predictive (sized from the write rate)
///   "chunk_mib": 2560,               how much one extension adds (vdsm), the least it adds (predictive)
///   "utilization_percent": 20,       vdsm: extend when less than (100 - this)% of a chunk is free
///   "safety_factor": 2.0,            predictive: lead time = latency (p90) x this + safety_margin_ms
///   "safety_margin_ms": 1000
/// }
/// </code>
/// Every field is optional; the defaults are VDSM's.
/// </summary>
public sealed record ThinConfig
{
    public string Mode { get; init; } = "vdsm";

    public int ChunkMib { get; init; } = 2560;

    public int UtilizationPercent { get; init; } = 20;

    public double SafetyFactor { get; init; } = 2.0;

    public int SafetyMarginMs { get; init; } = 1000;

    /// <summary>The policy's options; THIN_POLICY_INVALID (or INVALID_ARGUMENT for the mode) naming the bad setting.</summary>
    public ExtensionPolicyOptions ToPolicyOptions() => new ExtensionPolicyOptions
    {
        Mode = Mode switch
        {
            "vdsm" => ExtensionMode.Vdsm,
            "predictive" => ExtensionMode.Predictive,
            _ => throw Core.CommonErrors.Invalid($"thin.mode is vdsm or predictive, not '{Mode}'"),
        },
        ChunkBytes = (long)ChunkMib * ExtensionPolicyOptions.MiB,
        UtilizationPercent = UtilizationPercent,
        SafetyFactor = SafetyFactor,
        SafetyMargin = TimeSpan.FromMilliseconds(SafetyMarginMs),
    }.Validate();
}
