using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// One host's attempt to acquire one paxos lease: the steps of
/// <see cref="PaxosLease.AcquireAsync"/>, each a method.
/// </summary>
internal sealed partial class Ballot
{
    private readonly LeaseDisk _disk;
    private readonly Lockspace _ls;
    private readonly string _resource;
    private readonly PaxosAcquireOptions _options;
    private readonly ILogger _logger;

    public Ballot(LeaseDisk disk, Lockspace lockspace, string resource, PaxosAcquireOptions options)
    {
        LeaseNames.Validate(resource, "resource");
        _disk = disk;
        _ls = lockspace;
        _resource = resource;
        _options = options;
        _logger = options.Logger;
    }

    private int HostId => _ls.HostId;

    private string Where => _disk.Where();

    /// <summary>Reads the area in one I/O: the verified leader and the largest mbal of any valid dblock.</summary>
    public async Task<(LeaderRecord Leader, ulong MaxMbal)> ReadAreaAsync(CancellationToken cancellationToken)
    {
        var area = await _disk.ReadAreaAsync(LeaseErrors.LeaderRead, cancellationToken).ConfigureAwait(false);
        var leader = LeaseVerifier.VerifyPaxos(area, _ls.Name, _resource, (ulong)HostId, Where);
        ulong maxMbal = 0;
        foreach (var db in Dblocks(area, leader))
        {
            maxMbal = Math.Max(maxMbal, db.Block.Mbal);
        }

        return (leader, maxMbal);
    }

    /// <summary>
    /// True when we may run a ballot over <paramref name="leader"/>: it is free, ours, or its
    /// owner is gone. Throws IDLIVE for a live owner; false when the leader changed meanwhile.
    /// </summary>
    public async Task<bool> OwnerGoneAsync(LeaderRecord leader, CancellationToken cancellationToken)
    {
        if (leader.IsFree || (leader.OwnerId == (ulong)HostId && leader.OwnerGeneration <= _ls.Generation))
        {
            // Free; or ours, in this generation or an older one we never released.
            return true;
        }

        int owner = checked((int)leader.OwnerId);
        var hs = _ls.GetHost(owner);
        bool known = hs is not null && hs.LastCheck != 0 && hs.LastLive != 0 && hs.OwnerId == leader.OwnerId && hs.Generation == leader.OwnerGeneration;
        ulong waitStart = known ? hs!.LastLive : _ls.Clock.Seconds;
        ulong lastTimestamp = known ? hs!.Timestamp : 0;

        while (true)
        {
            var delta = await DeltaLease.ReadAsync(_ls.Disk, _ls.Name, owner, cancellationToken).ConfigureAwait(false);
            if (delta.IsFree || delta.OwnerId != leader.OwnerId || delta.OwnerGeneration > leader.OwnerGeneration)
            {
                // A host id cannot be freed or re-acquired sooner than host_dead after the
                // owner's last renewal, so the owner is gone.
                LogOwnerGone(_logger, _ls.Name, _resource, owner, "its host id lease is free or has a new owner");
                return true;
            }

            if (lastTimestamp == 0)
            {
                lastTimestamp = delta.Timestamp;
            }
            else if (delta.Timestamp != lastTimestamp || (hs is not null && hs.LastLive != 0 && hs.LastCheck == hs.LastLive))
            {
                // Alive. Unless it released and someone else's ballot re-committed it as owner:
                // then its dblock says RELEASED and the writer is not the owner.
                if (leader.WriteId != leader.OwnerId && await OwnerReleasedAsync(owner, cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                throw new SanpoolException(LeaseErrors.AcquireIdLive,
                    $"{Where}: {_ls.Name}:{_resource} is held by live host {owner} (generation {leader.OwnerGeneration}, lver {leader.Lver})");
            }
            else
            {
                // The owner's io_timeout sets its host_dead. It lies outside sanlock's checksum, so
                // a damaged value must not shorten the wait: never use less than our own.
                int io = Math.Max(delta.IoTimeout, _ls.Timeouts.IoTimeoutSeconds);
                ulong dead = (ulong)_ls.Timeouts.HostDeadSeconds(io);
                ulong now = _ls.Clock.Seconds;
                if (now - waitStart > dead)
                {
                    LogOwnerGone(_logger, _ls.Name, _resource, owner, $"no renewal for {now - waitStart} s > host_dead {dead} s");
                    return true;
                }

                if (_options.NoWait)
                {
                    throw new SanpoolException(LeaseErrors.AcquireOwned,
                        $"{Where}: {_ls.Name}:{_resource} is held by host {owner}, silent for {now - waitStart} s of {dead} s", isTransient: true);
                }
            }

            await _ls.Clock.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var again = await PaxosLease.ReadLeaderAsync(_disk, _ls.Name, _resource, HostId, cancellationToken).ConfigureAwait(false);
            if (again != leader)
            {
                return false;
            }
        }
    }

    private async Task<bool> OwnerReleasedAsync(int owner, CancellationToken cancellationToken)
    {
        var sector = await _disk.ReadSectorsAsync(1 + owner, 1, LeaseErrors.DblockRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return LeaseVerifier.VerifyDblock(sector, Where).IsReleased;
        }
        catch (SanpoolException)
        {
            return false;
        }
    }
}
