namespace Sanpool.Leases;

/// <summary>
/// The last view of one host id's delta lease, and when (our monotonic seconds) we first
/// checked it, last checked it and last saw it change. A host's liveness is judged only by
/// its timestamp changing over our own clock, never by the timestamp's value.
/// </summary>
public sealed record HostStatus
{
    public int HostId { get; init; }
    public ulong OwnerId { get; init; }
    public ulong Generation { get; init; }
    public ulong Timestamp { get; init; }
    public int IoTimeout { get; init; }
    public string HostName { get; init; } = "";
    public ulong FirstCheck { get; init; }
    public ulong LastCheck { get; init; }
    public ulong LastLive { get; init; }

    /// <summary>The state at monotonic second <paramref name="now"/>.</summary>
    public HostState StateAt(ulong now, int ourHostId, LeaseTimeouts ours)
    {
        if (Timestamp == 0)
        {
            return HostState.Free;
        }

        if (OwnerId == (ulong)ourHostId && HostId == ourHostId)
        {
            return HostState.Live;
        }

        int io = IoTimeout == 0 ? LeaseTimeouts.DefaultIoTimeout : IoTimeout;
        ulong last = LastLive == 0 ? FirstCheck : LastLive;
        ulong age = now > last ? now - last : 0;
        ulong fail = (ulong)LeaseTimeouts.IdRenewalFailSeconds(io);
        ulong dead = (ulong)ours.HostDeadSeconds(io);
        if (age <= fail)
        {
            return FirstCheck == LastLive ? HostState.Unknown : HostState.Live;
        }

        return age > dead ? HostState.Dead : HostState.Fail;
    }
}
