using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>The daemon's live state as protocol records.</summary>
internal static class StatusMapper
{
    public static LockspaceInfo Lockspace(JoinedLockspace j, MonotonicClock clock)
    {
        var ls = j.Lockspace;
        ulong now = clock.Seconds;
        ulong last = ls?.LastSuccess ?? 0;
        return new LockspaceInfo
        {
            Name = j.Name,
            HostId = j.HostId,
            Path = j.Spec.Path,
            Offset = j.Spec.Offset,
            IoTimeout = j.Timeouts.IoTimeoutSeconds,
            State = j.State.ToString().ToLowerInvariant(),
            Generation = ls?.Generation ?? 0,
            LastRenewal = last,
            RenewalAge = ls is null || now < last ? 0 : now - last,
            FailReason = j.FailReason,
            Hosts = Hosts(j, clock),
        };
    }

    public static IReadOnlyList<HostInfo> Hosts(JoinedLockspace j, MonotonicClock clock)
    {
        if (j.Lockspace is not { } ls)
        {
            return [];
        }

        ulong now = clock.Seconds;
        return [.. ls.Hosts().Select(h => new HostInfo
        {
            HostId = h.HostId,
            OwnerId = h.OwnerId,
            Generation = h.Generation,
            Timestamp = h.Timestamp,
            IoTimeout = h.IoTimeout,
            HostName = h.HostName,
            State = ls.StateOf(h.HostId).ToString().ToLowerInvariant(),
            LastLiveAge = h.LastLive == 0 || now < h.LastLive ? 0 : now - h.LastLive,
        })];
    }

    public static ClientInfo Client(RegisteredClient c) => new()
    {
        Pid = c.Pid,
        Uid = c.Uid,
        State = c.FenceReason is { } why ? $"fencing: {why}" : "registered",
        HeartbeatMs = c.HeartbeatInterval is { } hb ? (int)hb.TotalMilliseconds : null,
        Resources = [.. c.Leases().Select(l => l.ToInfo())],
    };
}
