using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>
/// acquire: paxos-acquires each resource, in order, as this host in the lockspace the spec
/// names; all or none. The resources then belong to the target client and live as long as it.
/// </summary>
internal sealed class AcquireHandler : IRequestHandler
{
    public string Verb => Verbs.Acquire;

    public async Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.AcquireRequest, LeaseDaemonErrors.BadRequest);
        if (req.Resources is not { Count: > 0 })
        {
            throw CommonErrors.Invalid("acquire needs \"resources\": one or more LS:RES:PATH:OFFSET");
        }

        var s = context.Services;
        var client = context.Target(req.Pid);
        var specs = req.Resources.Select(LeaseSpec.ParseResource).ToArray();
        var keys = specs.Select(ResourceKey.Of).ToArray();
        if (keys.Distinct().Count() != keys.Length)
        {
            throw CommonErrors.Invalid("a resource is named twice");
        }

        foreach (var spec in specs)
        {
            s.Lockspaces.Usable(spec.Lockspace);
        }

        s.Clients.Reserve(keys);
        var acquired = new List<ClientLease>();
        try
        {
            foreach (var spec in specs)
            {
                acquired.Add(await AcquireOneAsync(s, client, spec, req, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var lease in acquired)
            {
                await s.Resources.ReleaseOrAbandonAsync(client.Pid, lease, "another resource of the same acquire failed").ConfigureAwait(false);
            }

            foreach (var key in keys.Skip(acquired.Count))
            {
                s.Clients.Unreserve(key);
            }

            throw;
        }

        await s.Clients.AttachAsync(client, acquired).ConfigureAwait(false);
        foreach (var lease in acquired)
        {
            DaemonLog.Acquired(s.Logger, s.HostName, client.Pid, lease.Spec.Lockspace, lease.Spec.Resource, lease.Held.Lver, lease.Held.Shared ? " shared" : "");
        }

        return new AcquireReply { Resources = [.. acquired.Select(l => l.ToInfo())] };
    }

    private static async Task<ClientLease> AcquireOneAsync(DaemonServices s, RegisteredClient client, LeaseSpec spec, AcquireRequest req, CancellationToken cancellationToken)
    {
        var j = s.Lockspaces.Usable(spec.Lockspace);
        // A lockspace that fails under an acquire aborts it: its leases can no longer be trusted.
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, j.Lockspace!.Lost);
        try
        {
            return await s.Resources.AcquireAsync(spec, j, req.Shared, req.NoWait, lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (j.Lockspace.Lost.IsCancellationRequested)
        {
            throw new SanpoolException(LeaseErrors.LockspaceFailed, $"lockspace {j.Name} failed while acquiring {spec.Resource}");
        }
        catch (SanpoolException e)
        {
            DaemonLog.AcquireFailed(s.Logger, s.HostName, client.Pid, spec.ToString(), e.OneLine);
            throw;
        }
    }
}
