using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>
/// What a store allocates for a new volume: its storage (file or LV of <see cref="StorageSize"/>
/// bytes), its metadata record (written ILLEGAL until the volume is complete) and its lease.
/// </summary>
public sealed record VolumeAllocation(VolumeMetadata Metadata, Guid Volume, long StorageSize);
