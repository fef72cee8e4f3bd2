namespace Sanpool.Api.Spm;

/// <summary>The host's SPM role: SPM, Contend or Free; the pool's SPM host id (-1: none) and the SPM lease version.</summary>
public sealed record SpmStatusReply(string State, int SpmId, long Lver);
