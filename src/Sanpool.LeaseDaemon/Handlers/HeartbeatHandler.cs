using System.Text.Json;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>heartbeat: nothing to do beyond what every request does (the connection notes the time).</summary>
internal sealed class HeartbeatHandler : IRequestHandler
{
    public string Verb => Verbs.Heartbeat;

    public Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        context.Target(null);
        return Task.FromResult<DaemonReply>(new OkReply());
    }
}
