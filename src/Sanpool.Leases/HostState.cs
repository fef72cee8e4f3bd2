namespace Sanpool.Leases;

/// <summary>What one host thinks of another host's liveness, by sanlock's rules (get_host_flag).</summary>
public enum HostState
{
    /// <summary>The record's timestamp is 0: the host id is not held.</summary>
    Free,

    /// <summary>Seen held, but not yet seen renewing: it may be live or dead.</summary>
    Unknown,

    /// <summary>Renewed within id_renewal_fail (8 io) of its own io_timeout.</summary>
    Live,

    /// <summary>Not renewed for more than 8 io: its holders are being fenced.</summary>
    Fail,

    /// <summary>Not renewed for more than host_dead (8 io + 60): its leases may be taken.</summary>
    Dead,
}
