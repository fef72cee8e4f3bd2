using Sanpool.Engine.Model;

namespace Sanpool.Engine.Jobs;

/// <summary>A new disk of one volume: where, how large (bytes, a multiple of 512), its format and allocation, and its names.</summary>
public sealed record CreateDiskSpec(Guid DomainId, long Size, VolumeFormat Format, bool Sparse, string Alias, string? Description);
