using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>register: the connection becomes the client process that SO_PEERCRED names.</summary>
internal sealed class RegisterHandler : IRequestHandler
{
    public string Verb => Verbs.Register;

    public async Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.RegisterRequest, LeaseDaemonErrors.BadRequest);
        if (req.HeartbeatMs is <= 0)
        {
            throw CommonErrors.Invalid($"heartbeat_ms {req.HeartbeatMs} must be positive");
        }

        var s = context.Services;
        var peer = context.Connection.Peer;
        if (context.Connection.Client is not null)
        {
            throw new SanpoolException(LeaseDaemonErrors.AlreadyRegistered, $"this connection is already registered as pid {peer.Pid}");
        }

        var process = await ProcessInspector.ReadAsync(peer.Pid, cancellationToken).ConfigureAwait(false);
        if (process.IsDead)
        {
            throw new SanpoolException(LeaseDaemonErrors.NotRegistered, $"pid {peer.Pid} is gone");
        }

        var heartbeat = req.HeartbeatMs is int ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        var client = new RegisteredClient(peer.Pid, peer.Uid, process.StartTime, heartbeat, s.Now);
        if (!s.Clients.TryAdd(client))
        {
            throw new SanpoolException(LeaseDaemonErrors.AlreadyRegistered, $"pid {peer.Pid} is already registered on another connection");
        }

        context.Connection.Client = client;
        DaemonLog.Registered(s.Logger, s.HostName, peer.Pid, req.HeartbeatMs is int beat ? $"every {beat} ms" : "none");
        return new RegisterReply { Pid = peer.Pid };
    }
}
