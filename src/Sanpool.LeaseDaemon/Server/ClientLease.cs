using Sanpool.BlockIO;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>A resource a registered client holds: the paxos lease, its lockspace and the open device.</summary>
internal sealed class ClientLease(LeaseSpec spec, HeldResource held, JoinedLockspace lockspace, IBlockDevice device)
{
    public LeaseSpec Spec { get; } = spec;

    public HeldResource Held { get; } = held;

    public JoinedLockspace Lockspace { get; } = lockspace;

    public IBlockDevice Device { get; } = device;

    public ResourceKey Key => new(Spec.Lockspace, Spec.Resource);

    public string Text => ResourceText.Format(Spec, Held.Lver, Held.Shared);

    public ResourceInfo ToInfo() => new()
    {
        Lockspace = Spec.Lockspace,
        Name = Spec.Resource,
        Path = Spec.Path,
        Offset = Spec.Offset,
        Lver = Held.Lver,
        Shared = Held.Shared,
        State = Text,
    };
}
