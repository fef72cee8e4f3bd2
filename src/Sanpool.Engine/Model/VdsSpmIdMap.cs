namespace Sanpool.Engine.Model;

/// <summary>A row of <c>vds_spm_id_map</c>: a host's id (1..250) in its pool's lockspaces.</summary>
public sealed record VdsSpmIdMap(Guid StoragePoolId, int VdsSpmId, Guid VdsId)
{
    public const int MaxSpmId = 250;
}
