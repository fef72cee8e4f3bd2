using System.Text.Json;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>status: lockspaces (with every host's liveness), clients and their resources.</summary>
internal sealed class StatusHandler : IRequestHandler
{
    public string Verb => Verbs.Status;

    public Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var s = context.Services;
        var reply = new StatusReply
        {
            HostName = s.HostName,
            DaemonPid = Environment.ProcessId,
            Lockspaces = [.. s.Lockspaces.All().Select(j => StatusMapper.Lockspace(j, s.Clock))],
            Clients = [.. s.Clients.All().Select(StatusMapper.Client)],
        };
        return Task.FromResult<DaemonReply>(reply);
    }
}
