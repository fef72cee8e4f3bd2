namespace Sanpool.Api.Pools;

/// <summary>One image's chain as its metadata links it: volume ids, base first; <see cref="Error"/> says why it is broken, if it is.</summary>
public sealed record ChainView
{
    public required Guid Image { get; init; }

    public required IReadOnlyList<Guid> Volumes { get; init; }

    public string? Error { get; init; }
}
