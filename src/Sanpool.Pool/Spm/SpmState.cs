namespace Sanpool.Pool.Spm;

/// <summary>VDSM's spmStatus: Free (not SPM, not trying), Contend (acquiring), SPM.</summary>
public enum SpmState
{
    Free,
    Contend,
    Spm,
}
