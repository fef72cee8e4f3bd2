using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Host;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Hosts;

/// <summary>
/// Adding, deactivating, activating and removing hosts. A host is added by its agent's address:
/// the agent's <c>status</c> says its host id in the pool's lockspaces, its name and its pool,
/// which is imported first if the engine does not know it (<see cref="PoolImport"/>).
/// </summary>
public sealed class HostService(EngineDatabase db, IAgentCaller agents, PoolImport import, SpmManager spm, EngineConfig config, ILogger<HostService> logger)
{
    private const int MaxAddress = 1024;
    private const int MaxName = 64;

    /// <summary>Adds the host whose agent answers at <paramref name="address"/>.</summary>
    /// <exception cref="SanpoolException">
    /// INVALID_HOST, INVALID_SPM_PRIORITY; the agent's AGENT_UNREACHABLE or AGENT_TIMEOUT (nothing
    /// written); HOST_ID_EXISTS, HOST_ADDRESS_EXISTS, HOST_NAME_EXISTS (nothing written).
    /// </exception>
    public async Task<VdsView> AddAsync(string address, string? token, int? priority, string? name, CancellationToken cancellationToken)
    {
        address = CheckAddress(address);
        int spmPriority = priority ?? VdsStatic.DefaultSpmPriority;
        if (spmPriority is < VdsStatic.NeverSpm or > 10)
        {
            throw new SanpoolException(EngineErrors.InvalidSpmPriority, $"spm_priority {spmPriority}: give -1 (never SPM) to 10");
        }

        if (name is not null)
        {
            CheckName(name);
        }

        if (token is not null && (token.Length is 0 or > MaxAddress || token.Any(c => c is < '!' or > '~')))
        {
            throw new SanpoolException(EngineErrors.InvalidHost, "token: printable ASCII without spaces");
        }

        var link = new AgentLink(address, token);
        var status = await agents.CallAsync(link, AgentVerbs.Status, new StatusRequest(Manager: true), HostMonitor.StatusTimeout(config), cancellationToken).ConfigureAwait(false);
        name ??= status.HostName;
        CheckName(name);

        // The same checks run again in the insert's transaction; these keep a refused host from
        // importing its pool first.
        await RefuseDuplicateAsync(status, address, name, cancellationToken).ConfigureAwait(false);
        if (await db.Pools.GetPoolAsync(status.Pool, cancellationToken).ConfigureAwait(false) is null)
        {
            await import.ImportAsync(link, cancellationToken).ConfigureAwait(false);
        }

        var now = db.Clock.GetUtcNow();
        var host = new VdsStatic(Guid.NewGuid(), name, status.HostName, address, token, spmPriority, status.Pool, now, null);
        var spm = HostMonitor.SpmOf(status);
        var (vdsStatus, reason) = status.Connected
            ? (VdsStatus.Up, (string?)null)
            : (VdsStatus.NonOperational, "the agent is not connected to its pool yet");
        await db.Hosts.AddToPoolAsync(host, status.HostId, new VdsDynamic(host.VdsId, vdsStatus, reason, spm, now, null), cancellationToken).ConfigureAwait(false);
        var pool = await db.Pools.GetPoolAsync(status.Pool, cancellationToken).ConfigureAwait(false);
        if (spm == SpmStatus.SPM && pool is not null && pool.SpmVdsId != host.VdsId)
        {
            await db.Pools.SetSpmAsync(pool.Id, host.VdsId, cancellationToken).ConfigureAwait(false);
            await db.Pools.SetPoolStatusAsync(pool.Id, StoragePoolStatus.Up, cancellationToken).ConfigureAwait(false);
        }

        HostsLog.HostAdded(logger, name, address, status.HostId, status.Pool);
        await EngineEvents.HostAsync(
            db, EngineEventType.HOST_ADDED, AuditLogSeverity.NORMAL,
            $"Host {name} (agent {address}, host id {status.HostId}) was added to data center {pool?.Name ?? status.Pool.ToString()}",
            host, pool, cancellationToken).ConfigureAwait(false);
        return await db.Hosts.GetViewAsync(host.VdsId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.HostNotFound, $"host {host.VdsId} was removed while it was being added");
    }

    /// <summary>
    /// Puts a host into Maintenance: the monitor stops polling it. The SPM first gives up its role
    /// (refused with SPM_TASKS_RUNNING while it runs tasks, as oVirt refuses); the next poll round
    /// elects another Up host.
    /// </summary>
    public async Task<VdsView> DeactivateAsync(Guid vdsId, CancellationToken cancellationToken)
    {
        var view = await GetAsync(vdsId, cancellationToken).ConfigureAwait(false);
        if (view.Dynamic.Status == VdsStatus.Maintenance)
        {
            return view;
        }

        var pool = view.Static.StoragePoolId is { } poolId ? await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) : null;
        Task ToMaintenance() =>
            ChangeAsync(view, VdsStatus.Maintenance, pool, EngineEventType.HOST_MAINTENANCE, $"Host {view.Static.VdsName} was switched to Maintenance", cancellationToken);
        if (pool is not null && (view.Dynamic.SpmStatus != SpmStatus.None || pool.SpmVdsId == vdsId))
        {
            await spm.StopForMaintenanceAsync(pool, view.Static, ToMaintenance, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ToMaintenance().ConfigureAwait(false);
        }

        return await GetAsync(vdsId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes a host out of Maintenance: Unassigned until the next poll says what it is.</summary>
    public async Task<VdsView> ActivateAsync(Guid vdsId, CancellationToken cancellationToken)
    {
        var view = await GetAsync(vdsId, cancellationToken).ConfigureAwait(false);
        if (view.Dynamic.Status != VdsStatus.Maintenance)
        {
            return view;
        }

        var pool = view.Static.StoragePoolId is { } poolId ? await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) : null;
        await ChangeAsync(view, VdsStatus.Unassigned, pool, EngineEventType.HOST_ACTIVATED, $"Host {view.Static.VdsName} was activated", cancellationToken)
            .ConfigureAwait(false);
        return await GetAsync(vdsId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a host in Maintenance (HOST_STATE_CONFLICT otherwise), with its host id in its pool.</summary>
    public async Task RemoveAsync(Guid vdsId, CancellationToken cancellationToken)
    {
        var view = await GetAsync(vdsId, cancellationToken).ConfigureAwait(false);
        if (view.Dynamic.Status != VdsStatus.Maintenance)
        {
            throw new SanpoolException(
                EngineErrors.HostStateConflict,
                $"host {view.Static.VdsName} is {view.Dynamic.Status}; only a host in Maintenance can be removed (deactivate it first)");
        }

        var pool = view.Static.StoragePoolId is { } poolId ? await db.Pools.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false) : null;
        if (!await db.Hosts.RemoveAsync(vdsId, cancellationToken).ConfigureAwait(false))
        {
            throw new SanpoolException(EngineErrors.HostNotFound, $"host {vdsId} does not exist");
        }

        await EngineEvents.HostAsync(db, EngineEventType.HOST_REMOVED, AuditLogSeverity.NORMAL, $"Host {view.Static.VdsName} was removed", view.Static, pool, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<VdsView> GetAsync(Guid vdsId, CancellationToken cancellationToken) =>
        await db.Hosts.GetViewAsync(vdsId, cancellationToken).ConfigureAwait(false)
            ?? throw new SanpoolException(EngineErrors.HostNotFound, $"host {vdsId} does not exist");

    private async Task ChangeAsync(VdsView view, VdsStatus status, StoragePool? pool, EngineEventType type, string message, CancellationToken cancellationToken)
    {
        // Compare and set: a poll that read the host before this change does not undo it.
        if (!await db.Hosts.RecordPollAsync(view.Static.VdsId, view.Dynamic.Status, status, null, SpmStatus.None, view.Dynamic.LastSeen, cancellationToken).ConfigureAwait(false))
        {
            throw new SanpoolException(EngineErrors.HostStateConflict, $"host {view.Static.VdsName} changed status meanwhile; try again");
        }

        HostsLog.StatusChanged(logger, view.Static.VdsName, view.Dynamic.Status.ToString(), status.ToString(), "");
        await EngineEvents.HostAsync(db, type, AuditLogSeverity.NORMAL, message, view.Static, pool, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same address first (the same host added again), then the host id, then the name.</summary>
    private async Task RefuseDuplicateAsync(StatusReply status, string address, string name, CancellationToken cancellationToken)
    {
        foreach (var known in await db.Hosts.ListAllViewsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (known.Static.AgentAddress == address)
            {
                throw new SanpoolException(EngineErrors.HostAddressExists, $"host '{known.Static.VdsName}' has the agent address {address} already");
            }

            if (known.Static.StoragePoolId == status.Pool && known.SpmId == status.HostId)
            {
                throw new SanpoolException(
                    EngineErrors.HostIdExists,
                    $"host id {status.HostId} of data center {status.Pool} is host '{known.Static.VdsName}' (agent {known.Static.AgentAddress}) already; the agent at {address} claims it too");
            }

            if (known.Static.VdsName == name)
            {
                throw new SanpoolException(EngineErrors.HostNameExists, $"a host named '{name}' exists already (agent {known.Static.AgentAddress})");
            }
        }
    }

    /// <summary>An absolute unix socket path, or an http(s) URL of the agent's TCP endpoint.</summary>
    private static string CheckAddress(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > MaxAddress || address.Any(char.IsControl))
        {
            throw new SanpoolException(EngineErrors.InvalidHost, $"address: the agent's unix socket (an absolute path) or http(s)://HOST:PORT, at most {MaxAddress} characters");
        }

        bool url = address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (url ? !Uri.TryCreate(address, UriKind.Absolute, out _) : !address.StartsWith('/'))
        {
            throw new SanpoolException(EngineErrors.InvalidHost, $"address '{address}' is neither an absolute socket path nor an http(s) URL");
        }

        return address;
    }

    private static void CheckName(string name)
    {
        if (name.Length is 0 or > MaxName || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new SanpoolException(EngineErrors.InvalidHost, $"name '{name}': 1-{MaxName} ASCII letters, digits, '.', '_' or '-'");
        }
    }
}
