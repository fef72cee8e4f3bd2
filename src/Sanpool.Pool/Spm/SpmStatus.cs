namespace Sanpool.Pool.Spm;

/// <summary>
/// What <c>spm status</c> answers: this host's role, and the pool's SPM as the master domain
/// names it (POOL_SPM_ID, -1 for none) with the SDM lease version it took (POOL_SPM_LVER).
/// </summary>
public sealed record SpmStatus(SpmState State, int SpmId, long Lver);
