namespace Sanpool.Storage.Chains;

/// <summary>
/// One volume as the domain reports it, for chain analysis: its image and parent as its
/// metadata says (null when the metadata lacks them) and the fields dump-volume-chains prints.
/// </summary>
public sealed record VolumeInfo
{
    public required Guid Id { get; init; }
    public Guid? Image { get; init; }
    public Guid? Parent { get; init; }
    public string Status { get; init; } = "OK";
    public string? VolType { get; init; }
    public string? Format { get; init; }
    public string? Legality { get; init; }
    public string? Type { get; init; }
    public long? Capacity { get; init; }
    public long? TrueSize { get; init; }
}
