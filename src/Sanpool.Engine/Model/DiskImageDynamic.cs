namespace Sanpool.Engine.Model;

/// <summary>A row of <c>disk_image_dynamic</c>: a volume's allocation and I/O figures as last reported.</summary>
/// <param name="ActualSize">Bytes allocated (the running VM's figure, else the volume's truesize).</param>
/// <param name="ReadRate">Bytes per second.</param>
public sealed record DiskImageDynamic(
    Guid ImageId,
    long? ActualSize,
    long? ReadRate,
    long? WriteRate,
    double? ReadLatencySeconds,
    double? WriteLatencySeconds,
    double? FlushLatencySeconds,
    DateTimeOffset? UpdateDate);
