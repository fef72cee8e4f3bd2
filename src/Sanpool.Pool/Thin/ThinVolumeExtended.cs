using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// A volume was extended and its new size mapped on this host. <see cref="Latency"/> runs from
/// the request to the refreshed mapping (mailbox round trip + lvextend + refresh).
/// </summary>
public sealed record ThinVolumeExtended(IThinVolume Volume, long OldSize, long NewSize, TimeSpan Latency);
