using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>add_lockspace LS:ID:PATH:OFFSET: join (acquire the host id, then keep renewing it).</summary>
internal sealed class AddLockspaceHandler : IRequestHandler
{
    public string Verb => Verbs.AddLockspace;

    public async Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.AddLockspaceRequest, LeaseDaemonErrors.BadRequest);
        var spec = LeaseSpec.ParseLockspace(req.Lockspace ?? throw CommonErrors.Invalid("add_lockspace needs \"lockspace\": LS:HOST_ID:PATH:OFFSET"));
        if (spec.HostId < 1)
        {
            throw new SanpoolException(LeaseErrors.InvalidHostId, $"-s {spec}: host id must be 1 or more to join");
        }

        int io = req.IoTimeout ?? LeaseTimeouts.DefaultIoTimeout;
        if (io is < 1 or > 255)
        {
            throw CommonErrors.Invalid($"io_timeout {io} is outside 1..255 seconds");
        }

        var j = await context.Services.Lockspaces.JoinAsync(spec, io, cancellationToken).ConfigureAwait(false);
        return new OkReply { Message = $"joined {j.Name} as host id {j.HostId} generation {j.Lockspace?.Generation}" };
    }
}
