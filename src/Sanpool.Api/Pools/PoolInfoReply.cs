namespace Sanpool.Api.Pools;

/// <summary>
/// The pool keys of the master domain (<c>pool.info</c>, and the keys as they stand after
/// <c>pool.attach</c>, <c>pool.detach</c> and <c>pool.move-master</c>, which also names the new master).
/// </summary>
public sealed record PoolInfoReply
{
    public required Guid Pool { get; init; }

    public string Description { get; init; } = "";

    public int MasterVersion { get; init; }

    /// <summary>Each domain of the pool and its status in the pool (Active, Attached).</summary>
    public IReadOnlyDictionary<Guid, string> Domains { get; init; } = new Dictionary<Guid, string>();

    public int SpmId { get; init; }

    public long SpmLver { get; init; }

    /// <summary>Only from pool.move-master: the new master domain.</summary>
    public Guid? Master { get; init; }
}
