namespace Sanpool.Engine.Model;

/// <summary>A row of <c>vds_static</c>: a host as configured.</summary>
/// <param name="AgentAddress">Sanpool's: where the host's agent answers (a unix socket path or host:port).</param>
/// <param name="AgentToken">Sanpool's: the bearer token the engine sends that agent; null for a unix socket.</param>
/// <param name="VdsSpmPriority">0..10, higher first; -1 never SPM.</param>
/// <param name="StoragePoolId">The pool the host serves (Sanpool has no clusters), or null before it joins one.</param>
public sealed record VdsStatic(
    Guid VdsId,
    string VdsName,
    string HostName,
    string AgentAddress,
    string? AgentToken,
    int VdsSpmPriority,
    Guid? StoragePoolId,
    DateTimeOffset CreateDate,
    DateTimeOffset? UpdateDate)
{
    public const int DefaultSpmPriority = 5;
    public const int NeverSpm = -1;
}
