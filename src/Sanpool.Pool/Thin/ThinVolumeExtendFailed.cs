using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// An extension of <see cref="Volume"/> failed (e.g. the VG is full: the VM stays paused and the
/// manager is told). <see cref="Attempt"/> counts the failures since the volume last got room.
/// The request is retried; <see cref="ThinVolumeExtended"/> follows when it succeeds.
/// </summary>
public sealed record ThinVolumeExtendFailed(IThinVolume Volume, ExtendFailure Failure, int Attempt);
