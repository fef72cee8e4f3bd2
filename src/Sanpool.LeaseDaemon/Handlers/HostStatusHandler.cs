using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>host_status LS: every host's liveness in one lockspace.</summary>
internal sealed class HostStatusHandler : IRequestHandler
{
    public string Verb => Verbs.HostStatus;

    public Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.HostStatusRequest, LeaseDaemonErrors.BadRequest);
        var name = req.Lockspace ?? throw CommonErrors.Invalid("host_status needs \"lockspace\"");
        var s = context.Services;
        var j = s.Lockspaces.Find(name) ?? throw new SanpoolException(LeaseErrors.NoLockspace, $"lockspace {name} is not joined on host '{s.HostName}'");
        return Task.FromResult<DaemonReply>(new HostStatusReply { Lockspace = name, Hosts = StatusMapper.Hosts(j, s.Clock) });
    }
}
