namespace Sanpool.Api.DataPath;

/// <summary>
/// One thin volume this host watches: its LV and virtual sizes, the highest write, the armed
/// threshold, the write rate and extension latency the policy plans with, and whether a
/// request to the SPM is out or failing.
/// </summary>
public sealed record ThinVolumeInfo
{
    public required Guid Domain { get; init; }

    public required Guid Image { get; init; }

    public required Guid Volume { get; init; }

    public long LvSize { get; init; }

    public long MaxSize { get; init; }

    public long HighestWrite { get; init; }

    public long Threshold { get; init; }

    public double RateMibS { get; init; }

    public double LatencyMs { get; init; }

    public bool Extending { get; init; }

    public long RequestedSize { get; init; }

    public int Failures { get; init; }

    public int Requests { get; init; }
}
