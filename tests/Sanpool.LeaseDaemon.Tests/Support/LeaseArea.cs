using Sanpool.BlockIO;
using Sanpool.Leases;
using Sanpool.Leases.OnDisk;
using Sanpool.TestSupport;

namespace Sanpool.LeaseDaemon.Tests.Support;

/// <summary>
/// A lockspace (an "ids" file) and resources (a "leases" file, one 1 MiB area each) formatted
/// with 512-byte sectors and 1M alignment, in a test's own directory under /tmp.
/// </summary>
internal sealed class LeaseArea
{
    private static readonly LeaseGeometry Geometry = LeaseGeometry.Default512;

    private LeaseArea(string lockspace, string idsPath, string leasesPath)
    {
        Lockspace = lockspace;
        IdsPath = idsPath;
        LeasesPath = leasesPath;
    }

    public string Lockspace { get; }

    public string IdsPath { get; }

    public string LeasesPath { get; }

    public static async Task<LeaseArea> CreateAsync(TempDir dir, int resources = 2, string lockspace = "LS")
    {
        var area = new LeaseArea(lockspace,
            dir.CreateSparseFile("ids", LeaseGeometry.MiB),
            dir.CreateSparseFile("leases", (long)resources * LeaseGeometry.MiB));
        await using (var ids = DirectBlockDevice.Open(area.IdsPath))
        {
            await DeltaLease.InitAsync(Disk(ids, 0), lockspace, 1, CancellationToken.None);
        }

        await using var leases = DirectBlockDevice.Open(area.LeasesPath);
        for (int i = 0; i < resources; i++)
        {
            await PaxosLease.InitAsync(Disk(leases, i), lockspace, ResourceName(i), null, CancellationToken.None);
        }

        return area;
    }

    public static string ResourceName(int i) => $"R{i}";

    public string LockspaceSpec(int hostId) => $"{Lockspace}:{hostId}:{IdsPath}:0";

    public string Resource(int i) => $"{Lockspace}:{ResourceName(i)}:{LeasesPath}:{i * LeaseGeometry.MiB}";

    /// <summary>The resource's leader as on disk now.</summary>
    public async Task<LeaderRecord> ReadLeaderAsync(int i)
    {
        await using var device = DirectBlockDevice.Open(LeasesPath, readOnly: true);
        return await PaxosLease.ReadLeaderAsync(Disk(device, i), Lockspace, ResourceName(i), 1, CancellationToken.None);
    }

    /// <summary>Host <paramref name="hostId"/>'s delta lease record as on disk now.</summary>
    public async Task<LeaderRecord> ReadHostAsync(int hostId)
    {
        await using var device = DirectBlockDevice.Open(IdsPath, readOnly: true);
        return await DeltaLease.ReadAsync(Disk(device, 0), Lockspace, hostId, CancellationToken.None);
    }

    private static LeaseDisk Disk(IBlockDevice device, int area) =>
        new(device, (long)area * Geometry.Alignment, Geometry, TimeSpan.FromSeconds(1));
}
