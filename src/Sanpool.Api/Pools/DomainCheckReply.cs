namespace Sanpool.Api.Pools;

/// <summary><c>domain.check</c>: every disagreement between a domain's journal, volume metadata, LV tags and qcow2 headers; empty when it is sound.</summary>
public sealed record DomainCheckReply
{
    public required Guid Domain { get; init; }

    public required IReadOnlyList<CheckFindingView> Findings { get; init; }
}
