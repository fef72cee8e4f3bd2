using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>One volume of a disk's chain with where it lives and its allocation, as the disk lists show it.</summary>
/// <param name="Domains">The domains it is on, by id.</param>
/// <param name="ActualSize">Its allocation, null while unknown (no figures yet).</param>
public sealed record ChainVolume(Image Image, IReadOnlyList<Guid> Domains, long? ActualSize);
