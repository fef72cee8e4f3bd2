namespace Sanpool.Storage.Domains;

/// <summary>The SPM lease: resource "SDM" in the domain's leases area at 1 x alignment.</summary>
public static class SpmLease
{
    public const string Name = "SDM";

    public static long Offset(int alignment) => alignment;
}
