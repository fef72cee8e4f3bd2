using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Leases;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Cli.Commands;

/// <summary>
/// <c>lease acquire-id|renew-id|release-id -s LS:ID:PATH:OFFSET</c>: one-shot host-id lease
/// operations on the storage, as <c>sanlock direct acquire_id</c> and friends. Nothing keeps
/// renewing afterwards: that is the lease daemon's job.
/// </summary>
internal static class LeaseIdCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Make("acquire-id", "Acquire a host id, with sanlock's safety delays (2 x io_timeout when free; longer when another host held it).", Acquire);
        yield return Make("renew-id", "Renew a host id this host name holds: write a new timestamp.", Renew);
        yield return Make("release-id", "Release a host id this host name holds: timestamp 0, owner and generation kept.", Release);
    }

    private delegate Task<LeaderRecord> IdOperation(LeaseDisk disk, LeaseSpec spec, string hostName, LeaseTimeouts timeouts, CancellationToken ct);

    private static Command Make(string name, string description, IdOperation op)
    {
        var ls = LeaseOptions.Lockspace("The lockspace and host id (1..max hosts).");
        ls.Required = true;
        var host = LeaseOptions.HostName();
        var io = LeaseOptions.IoTimeout();
        var cmd = new Command(name, description) { ls, host, io };
        CliAction.Set(cmd, async (p, ct) =>
        {
            var spec = LeaseSpec.ParseLockspace(p.GetRequiredValue(ls));
            string hostName = LeaseNames.Validate(p.GetRequiredValue(host), "host");
            var timeouts = new LeaseTimeouts(LeaseDirectCommands.CheckIoTimeout(p.GetValue(io)));
            await using var device = DirectBlockDevice.Open(spec.Path);
            var disk = await LeaseDevices.OpenAreaAsync(device, spec.Offset, timeouts.IoTimeout, ct);
            DeltaLease.CheckHostId(disk, spec.HostId);
            var record = await op(disk, spec, hostName, timeouts, ct);
            Console.WriteLine($"{name} {spec.Lockspace}:{spec.HostId} owner {record.OwnerId} generation {record.OwnerGeneration} timestamp {record.Timestamp} name {record.ResourceName}");
            return 0;
        });
        return cmd;
    }

    private static Task<LeaderRecord> Acquire(LeaseDisk disk, LeaseSpec spec, string hostName, LeaseTimeouts timeouts, CancellationToken ct)
    {
        // Logs go to stderr; stdout carries only the result line.
        using var logs = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Information));
        return DeltaLease.AcquireAsync(disk, spec.Lockspace, spec.HostId, hostName, timeouts, MonotonicClock.System,
            logs.CreateLogger("sanpool.lease"), ct);
    }

    private static async Task<LeaderRecord> Renew(LeaseDisk disk, LeaseSpec spec, string hostName, LeaseTimeouts timeouts, CancellationToken ct)
    {
        var current = await OwnedRecordAsync(disk, spec, hostName, LeaseErrors.RenewOwner, ct);
        var area = await disk.ReadAreaAsync(LeaseErrors.LeaderRead, ct);
        return await DeltaLease.RenewAsync(disk, area, spec.HostId, current, MonotonicClock.System, ct);
    }

    private static async Task<LeaderRecord> Release(LeaseDisk disk, LeaseSpec spec, string hostName, LeaseTimeouts timeouts, CancellationToken ct)
    {
        var current = await OwnedRecordAsync(disk, spec, hostName, LeaseErrors.ReleaseOwner, ct);
        return await DeltaLease.ReleaseAsync(disk, spec.HostId, current, ct);
    }

    /// <summary>The record, if this host name holds it now; the caller's error otherwise.</summary>
    private static async Task<LeaderRecord> OwnedRecordAsync(LeaseDisk disk, LeaseSpec spec, string hostName, ErrorCode notOwner, CancellationToken ct)
    {
        var current = await DeltaLease.ReadAsync(disk, spec.Lockspace, spec.HostId, ct);
        if (current.IsFree || current.ResourceName != hostName || current.OwnerId != (ulong)spec.HostId)
        {
            throw new SanpoolException(notOwner,
                $"host id {spec.HostId} of {spec.Lockspace} is {(current.IsFree ? "free" : $"held by '{current.ResourceName}'")}, not by '{hostName}'");
        }

        return current;
    }
}
