namespace Sanpool.Api.Pools;

/// <summary>One finding of <c>domain.check</c>: where, what disagrees, and the fix it suggests.</summary>
public sealed record CheckFindingView
{
    public required string Image { get; init; }

    public string? Volume { get; init; }

    public required string Problem { get; init; }

    public required string Fix { get; init; }
}
