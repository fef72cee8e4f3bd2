using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// One monitored volume as the agent reports it: sizes, watermark, the write rate and extension
/// latency the policy plans with, the armed threshold, and whether a request is out or failing.
/// </summary>
public sealed record ThinVolumeStatus(
    IThinVolume Volume,
    long CurrentSize,
    long MaximumSize,
    long HighestWrite,
    long ArmedThreshold,
    double RateBytesPerSecond,
    TimeSpan LatencyEstimate,
    bool Extending,
    long RequestedSize,
    int Failures,
    int Requests);
