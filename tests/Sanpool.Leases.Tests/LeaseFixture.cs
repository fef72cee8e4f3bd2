using Sanpool.BlockIO;

namespace Sanpool.Leases.Tests;

/// <summary>
/// A shared disk in memory with a lockspace at 0 and a resource "RES" at 1 MiB, and hosts
/// joining it. io_timeout 1 and a watchdog margin of <see cref="Watchdog"/> seconds keep the
/// sanlock formulas while making host_dead short (8 + 4 = 12 s).
/// </summary>
internal sealed class LeaseFixture : IAsyncDisposable
{
    public const int Watchdog = 4;
    private readonly List<Lockspace> _joined = [];

    public LeaseFixture(int sectorSize = 512, int alignment = LeaseGeometry.MiB)
    {
        Geometry = LeaseGeometry.Create(sectorSize, alignment);
        Disk = new MemoryDisk(3L * alignment, sectorSize, "mem");
    }

    public MemoryDisk Disk { get; }

    public LeaseGeometry Geometry { get; }

    public LeaseTimeouts Timeouts { get; } = new(1, Watchdog);

    public LeaseDisk Ids(IBlockDevice? device = null) => new(device ?? Disk.Open(), 0, Geometry, Timeouts.IoTimeout);

    public LeaseDisk Res => new(Disk.Open(), Geometry.Alignment, Geometry, Timeouts.IoTimeout);

    public async Task InitAsync()
    {
        await DeltaLease.InitAsync(Ids(), "LS", 1, default);
        await PaxosLease.InitAsync(Res, "LS", "RES", null, default);
    }

    public async Task<Lockspace> JoinAsync(int hostId, string? name = null, IBlockDevice? device = null)
    {
        var ls = await Lockspace.JoinAsync(new LockspaceOptions(Ids(device), "LS", hostId, name ?? $"host{hostId}") { Timeouts = Timeouts }, default);
        _joined.Add(ls);
        return ls;
    }

    public static PaxosAcquireOptions Fast(bool shared = false) => new() { Shared = shared, MaxBackoff = TimeSpan.FromMilliseconds(20) };

    public async ValueTask DisposeAsync()
    {
        foreach (var ls in _joined)
        {
            await ls.DisposeAsync();
        }
    }
}
