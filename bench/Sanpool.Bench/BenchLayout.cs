using System.Globalization;
using Sanpool.BlockIO;
using Sanpool.Leases;

namespace Sanpool.Bench;

/// <summary>
/// The bench's storage: one file (512-byte sectors, 1M alignment) with the lockspace BENCH at
/// 0 and one resource per measurement in the areas after it, so no measurement sees another's
/// leftovers. Host ids: 1 in-process Sanpool, 2 the sanlock daemon, 3 the Sanpool daemon, 4
/// and 5 the holders that are killed in the takeover runs (sanlock, Sanpool).
/// </summary>
internal sealed class BenchLayout
{
    public const string Lockspace = "BENCH";
    public const int InProcessHostId = 1;
    public const int SanlockHostId = 2;
    public const int SanpoolDaemonHostId = 3;
    public const int SanlockVictimHostId = 4;
    public const int SanpoolVictimHostId = 5;

    public static readonly string[] Resources = ["inproc", "daemon", "sanlock", "takeover-sanpool", "takeover-sanlock"];

    private static readonly LeaseGeometry Geometry = LeaseGeometry.Default512;

    public BenchLayout(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static long Size => (1 + Resources.Length) * (long)Geometry.Alignment;

    public string LockspaceSpec(int hostId) => string.Create(CultureInfo.InvariantCulture, $"{Lockspace}:{hostId}:{Path}:0");

    public static long Offset(string resource) => (1 + Array.IndexOf(Resources, resource)) * (long)Geometry.Alignment;

    public string ResourceSpec(string resource) => string.Create(CultureInfo.InvariantCulture, $"{Lockspace}:{resource}:{Path}:{Offset(resource)}");

    public static LeaseDisk Disk(IBlockDevice device, long offset, int io) => new(device, offset, Geometry, TimeSpan.FromSeconds(io));

    /// <summary>Creates the file and formats the lockspace and every resource.</summary>
    public async Task CreateAsync(int io)
    {
        await using (var stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.SetLength(Size);
        }

        await using var device = DirectBlockDevice.Open(Path);
        await DeltaLease.InitAsync(Disk(device, 0, io), Lockspace, io, CancellationToken.None);
        foreach (string r in Resources)
        {
            await PaxosLease.InitAsync(Disk(device, Offset(r), io), Lockspace, r, null, CancellationToken.None);
        }
    }
}
