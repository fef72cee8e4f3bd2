using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// A paxos lease this host holds: where it lives, the leader it committed and the dblock it
/// wrote (needed to release it), and whether it is held shared.
/// </summary>
public sealed record HeldResource(LeaseDisk Disk, string Lockspace, string Name, LeaderRecord Leader, PaxosDblock Dblock, bool Shared)
{
    public ulong Lver => Leader.Lver;

    public override string ToString() => $"{Lockspace}:{Name}:{Disk.Where()} lver {Lver}{(Shared ? " shared" : "")}";
}
