namespace Sanpool.Api.Spm;

/// <summary>
/// <c>spm.start</c>: take the SPM role now (and let this host's election run again).
/// <see cref="PrevId"/> and <see cref="PrevLver"/>, when given, are the pool's SPM host id and
/// SDM lease version as the caller last saw them (a host's <c>spm.status</c>): if the master's
/// keys name another SPM or another lease version now, someone took (or gave up) the role since,
/// and the start is refused with SPM_CHANGED so that the caller looks again. They guard the
/// caller's bookkeeping only; the SDM lease itself is what keeps two hosts from both being SPM.
/// </summary>
public sealed record SpmStartRequest(int? PrevId = null, long? PrevLver = null);
