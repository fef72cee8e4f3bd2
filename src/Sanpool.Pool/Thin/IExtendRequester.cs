using Sanpool.Storage.Thin;

namespace Sanpool.Pool.Thin;

/// <summary>
/// Asks the SPM to extend a thin volume's LV (over the storage mailbox: VDSM's <c>xtnd</c>
/// message in this host's inbox slot, the reply in its outbox slot).
/// </summary>
public interface IExtendRequester
{
    /// <summary>
    /// Requests that <paramref name="volume"/>'s LV be at least <paramref name="newSizeBytes"/>
    /// and completes with the size the SPM granted once it answered with success. A request the
    /// SPM failed (no space in the VG, no SPM, a checksum error) stays pending and is re-sent by
    /// the requester; each failure is reported through <paramref name="onFailure"/> (on any
    /// thread; keep it short). Throws only on cancellation, or when the request cannot be made at
    /// all (the monitor then retries it after a backoff).
    /// </summary>
    Task<long> ExtendAsync(IThinVolume volume, long newSizeBytes, Action<ExtendFailure> onFailure, CancellationToken cancellationToken);
}
