namespace Sanpool.Engine.Model;

/// <summary>A host's SPM role, <c>vds_dynamic.spm_status</c>: SPM, Contending while its pool is in Contend, else None.</summary>
public enum SpmStatus
{
    None = 0,
    Contending = 1,
    SPM = 2,
}
