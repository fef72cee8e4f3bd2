using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>release: the named resources (or all) leave the client and are released on disk.</summary>
internal sealed class ReleaseHandler : IRequestHandler
{
    public string Verb => Verbs.Release;

    public async Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.ReleaseRequest, LeaseDaemonErrors.BadRequest);
        var client = context.Target(req.Pid);
        IReadOnlyList<ClientLease> leases;
        if (req.All)
        {
            leases = client.TakeAll();
        }
        else
        {
            if (req.Resources is not { Count: > 0 })
            {
                throw CommonErrors.Invalid("release needs \"resources\" (LS:RES[:PATH:OFFSET] each) or \"all\": true");
            }

            var keys = req.Resources.Select(ResourceKey.Parse).ToArray();
            var missing = keys.Where(k => !client.Leases().Any(l => l.Key == k)).ToArray();
            if (missing.Length > 0)
            {
                throw new SanpoolException(LeaseErrors.NotHeld, $"pid {client.Pid} does not hold {string.Join(", ", missing)}");
            }

            leases = [.. keys.Select(client.Remove).OfType<ClientLease>()];
        }

        await context.Services.Clients.ReleaseAsync(client, leases, "released on request").ConfigureAwait(false);
        return new OkReply { Message = $"released {leases.Count} resource(s) of pid {client.Pid}" };
    }
}
