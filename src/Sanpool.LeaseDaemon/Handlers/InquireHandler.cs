using System.Text.Json;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>inquire: a client's resources, with sanlock's state string.</summary>
internal sealed class InquireHandler : IRequestHandler
{
    public string Verb => Verbs.Inquire;

    public Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.InquireRequest, LeaseDaemonErrors.BadRequest);
        var client = context.Target(req.Pid);
        var leases = client.Leases();
        return Task.FromResult<DaemonReply>(new InquireReply
        {
            Pid = client.Pid,
            State = string.Join(' ', leases.Select(l => l.Text)),
            Resources = [.. leases.Select(l => l.ToInfo())],
        });
    }
}
