using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

internal sealed partial class Ballot
{
    /// <summary>
    /// Runs ballots for lver = leader.lver + 1 until one completes, then commits the leader.
    /// Returns null when the caller must start over (the leader moved on under us).
    /// </summary>
    public async Task<HeldResource?> RunAsync(LeaderRecord current, ulong maxMbal, CancellationToken cancellationToken)
    {
        // next_lver comes from the leader we judged, not from a re-read: another host may
        // already have committed us as the owner of exactly this lver.
        ulong nextLver = current.Lver + 1;
        ulong maxHosts = current.MaxHosts == 0 ? (ulong)_disk.Geometry.MaxHosts : current.MaxHosts;
        ulong mbal = maxMbal == 0 ? (ulong)HostId : maxMbal - (maxMbal % maxHosts) + maxHosts + (ulong)HostId;
        bool first = true;
        while (true)
        {
            var leader = first ? current : await PaxosLease.ReadLeaderAsync(_disk, _ls.Name, _resource, HostId, cancellationToken).ConfigureAwait(false);
            first = false;
            if (leader.Lver == nextLver)
            {
                // Someone committed this lver already; the value is whoever they wrote.
                if (leader.OwnerId == (ulong)HostId && leader.OwnerGeneration == _ls.Generation)
                {
                    return new HeldResource(_disk, _ls.Name, _resource, leader, PaxosDblock.Empty with { Lver = nextLver, Mbal = mbal, Bal = mbal, Inp = (ulong)HostId, Inp2 = _ls.Generation, Inp3 = leader.Timestamp }, false);
                }

                throw new SanpoolException(LeaseErrors.AcquireOwned,
                    $"{Where}: lver {nextLver} of {_ls.Name}:{_resource} was committed to host {leader.OwnerId}", isTransient: true);
            }

            if (leader.Lver > nextLver || leader != current)
            {
                return null;
            }

            var (dblock, error) = await TryBallotAsync(leader, nextLver, mbal, cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                return await CommitAsync(current, dblock, cancellationToken).ConfigureAwait(false);
            }

            // "If p finds a larger mbal it aborts the ballot ... and starts a new one with a larger ballot number."
            var pause = TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * _options.MaxBackoff.Ticks));
            LogRetry(_logger, _ls.Name, _resource, nextLver, error.Value.Name, pause.TotalMilliseconds);
            await _ls.Clock.Delay(pause, cancellationToken).ConfigureAwait(false);
            mbal += maxHosts;
        }
    }

    /// <summary>
    /// One ballot, both phases. Returns the dblock we wrote in phase 2, or the abort reason.
    /// </summary>
    private async Task<(PaxosDblock Dblock, ErrorCode? Abort)> TryBallotAsync(LeaderRecord leader, ulong lver, ulong mbal, CancellationToken cancellationToken)
    {
        // Phase 1: "write dblock[p] to disk, then read disk[q] for all other q; abort if some
        // disk[q].mbal > dblock[p].mbal."
        var dblock = new PaxosDblock { Mbal = mbal, Lver = lver };
        await PaxosLease.WriteDblockAsync(_disk, HostId, dblock, ModeBlock.None, cancellationToken).ConfigureAwait(false);
        var (abort, highest) = await ReadPhaseAsync(leader, dblock, cancellationToken).ConfigureAwait(false);
        if (abort is not null)
        {
            return (dblock, abort);
        }

        // Phase 2: "p sets dblock[p].inp to the inp of the block with the largest bal it read,
        // or to its own value if every bal was 0", and bal to mbal.
        dblock = highest is { } h
            ? dblock with { Inp = h.Inp, Inp2 = h.Inp2, Inp3 = h.Inp3 }
            : dblock with { Inp = (ulong)HostId, Inp2 = _ls.Generation, Inp3 = _ls.Clock.Seconds };
        dblock = dblock with { Bal = mbal };
        dblock = await PaxosLease.WriteDblockAsync(_disk, HostId, dblock, ModeBlock.None, cancellationToken).ConfigureAwait(false);
        (abort, _) = await ReadPhaseAsync(leader, dblock, cancellationToken).ConfigureAwait(false);
        return (dblock, abort);
    }

    /// <summary>Reads every dblock: aborts on a larger lver or mbal; finds the largest bal with an inp.</summary>
    private async Task<(ErrorCode? Abort, PaxosDblock? Highest)> ReadPhaseAsync(LeaderRecord leader, PaxosDblock ours, CancellationToken cancellationToken)
    {
        var area = await _disk.ReadSectorsAsync(0, 2 + (int)leader.NumHosts, LeaseErrors.DblockRead, cancellationToken).ConfigureAwait(false);
        PaxosDblock? highest = null;
        foreach (var (_, bk, _) in Dblocks(area, leader))
        {
            if (bk.Lver < ours.Lver)
            {
                continue;
            }

            if (bk.Lver > ours.Lver)
            {
                return (LeaseErrors.DblockLver, null);
            }

            if (bk.Mbal > ours.Mbal)
            {
                return (LeaseErrors.DblockMbal, null);
            }

            if (bk.Inp != 0 && bk.Bal != 0 && (highest is null || bk.Bal > highest.Bal))
            {
                highest = bk;
            }
        }

        return (null, highest);
    }

    /// <summary>Writes the leader for the value our ballot chose, which may name another host.</summary>
    private async Task<HeldResource> CommitAsync(LeaderRecord current, PaxosDblock dblock, CancellationToken cancellationToken)
    {
        var leader = current with
        {
            Lver = dblock.Lver,
            OwnerId = dblock.Inp,
            OwnerGeneration = dblock.Inp2,
            Timestamp = dblock.Inp3,
            WriteId = (ulong)HostId,
            WriteGeneration = _ls.Generation,
            WriteTimestamp = _ls.Clock.Seconds,
        };
        if (dblock.Inp == (ulong)HostId)
        {
            leader = leader with
            {
                Flags = _options.Shared ? leader.Flags | LeaderRecord.FlagShortHold : leader.Flags & ~LeaderRecord.FlagShortHold,
            };
        }

        if (dblock.Inp != (ulong)HostId)
        {
            // Committing another host's win is only for progress (it may have died before its
            // own commit). If a leader for this lver or a later one is already on disk, a late
            // write of ours would roll the leader back under a newer owner: skip it.
            var onDisk = await PaxosLease.ReadLeaderAsync(_disk, _ls.Name, _resource, HostId, cancellationToken).ConfigureAwait(false);
            if (onDisk.Lver < dblock.Lver)
            {
                await PaxosLease.WriteLeaderAsync(_disk, leader, cancellationToken).ConfigureAwait(false);
            }


            throw new SanpoolException(LeaseErrors.AcquireOther,
                $"{Where}: our ballot for lver {dblock.Lver} of {_ls.Name}:{_resource} committed host {dblock.Inp}", isTransient: true);
        }

        leader = await PaxosLease.WriteLeaderAsync(_disk, leader, cancellationToken).ConfigureAwait(false);

        LogAcquired(_logger, _ls.Name, _resource, leader.Lver, HostId, _ls.Generation);
        return new HeldResource(_disk, _ls.Name, _resource, leader, dblock, _options.Shared);
    }

    /// <summary>
    /// Shared mode: having won the leader, record our shared hold in our mode block (with our
    /// dblock RELEASED) and free the leader, so other shared holders can run their own ballots.
    /// </summary>
    public async Task<HeldResource> ConvertToSharedAsync(HeldResource held, CancellationToken cancellationToken)
    {
        var released = held.Dblock with { Flags = held.Dblock.Flags | PaxosDblock.FlagReleased };
        released = await PaxosLease.WriteDblockAsync(_disk, HostId, released, new ModeBlock(ModeBlock.FlagShared, _ls.Generation), cancellationToken)
            .ConfigureAwait(false);
        var leader = await PaxosLease.WriteLeaderAsync(_disk, held.Leader with { Timestamp = 0 }, cancellationToken).ConfigureAwait(false);
        return held with { Leader = leader, Dblock = released, Shared = true };
    }

    /// <summary>
    /// Exclusive mode: a live shared holder blocks us (EAGAIN); a dead one's mode block is
    /// cleared. On EAGAIN the leader we just won is released again.
    /// </summary>
    public async Task<HeldResource> CheckSharedHoldersAsync(HeldResource held, CancellationToken cancellationToken)
    {
        var area = await _disk.ReadSectorsAsync(0, 2 + (int)held.Leader.NumHosts, LeaseErrors.DblockRead, cancellationToken).ConfigureAwait(false);
        for (int h = 1; h <= (int)held.Leader.NumHosts; h++)
        {
            if (h == HostId)
            {
                continue;
            }

            int at = (1 + h) * _disk.SectorSize;
            var mode = ModeBlock.Decode(area.AsSpan(at + ModeBlock.SectorOffset));
            var holderDblock = PaxosDblock.Decode(area.AsSpan(at));
            if (!mode.IsShared)
            {
                continue;
            }

            var delta = await DeltaLease.ReadAsync(_ls.Disk, _ls.Name, h, cancellationToken).ConfigureAwait(false);
            bool stale = delta.IsFree || delta.OwnerGeneration != mode.Generation || _ls.StateOf(h) == HostState.Dead;
            if (stale)
            {
                await PaxosLease.WriteDblockAsync(_disk, h, holderDblock, ModeBlock.None, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await PaxosLease.ReleaseAsync(held, _ls, _logger, cancellationToken).ConfigureAwait(false);
            throw new SanpoolException(LeaseErrors.Busy,
                $"{Where}: {_ls.Name}:{_resource} is held shared by live host {h}", isTransient: true);
        }

        return held;
    }

    /// <summary>The valid dblocks of hosts 1..num_hosts; a block with a bad checksum is skipped, as sanlock does.</summary>
    private IEnumerable<(int HostId, PaxosDblock Block, bool Blank)> Dblocks(byte[] area, LeaderRecord leader)
    {
        int ss = _disk.SectorSize;
        int n = (int)Math.Min(leader.NumHosts, (ulong)((area.Length / ss) - 2));
        for (int h = 1; h <= n; h++)
        {
            var bytes = area.AsMemory((1 + h) * ss, PaxosDblock.Size);
            PaxosDblock block;
            try
            {
                block = LeaseVerifier.VerifyDblock(bytes.Span, _disk.Where((long)(1 + h) * ss));
            }
            catch (SanpoolException e)
            {
                LogBadDblock(_logger, _ls.Name, _resource, h, e.OneLine);
                continue;
            }

            yield return (h, block, PaxosDblock.IsBlank(bytes.Span));
        }
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information,
        Message = "lease {Lockspace}:{Resource} lver {Lver} acquired by host {HostId} generation {Generation}")]
    private static partial void LogAcquired(ILogger logger, string lockspace, string resource, ulong lver, int hostId, ulong generation);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Debug,
        Message = "lease {Lockspace}:{Resource} lver {Lver}: ballot aborted ({Reason}), retrying in {Milliseconds:0} ms")]
    private static partial void LogRetry(ILogger logger, string lockspace, string resource, ulong lver, string reason, double milliseconds);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information,
        Message = "lease {Lockspace}:{Resource}: owner host {Owner} is gone: {Why}")]
    private static partial void LogOwnerGone(ILogger logger, string lockspace, string resource, int owner, string why);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning,
        Message = "lease {Lockspace}:{Resource}: host {HostId}'s dblock is damaged and ignored: {Error}")]
    private static partial void LogBadDblock(ILogger logger, string lockspace, string resource, int hostId, string error);
}
