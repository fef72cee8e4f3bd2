using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>What a handler knows of the request: the connection it came on and the daemon.</summary>
internal sealed class RequestContext(ClientConnection connection, DaemonServices services)
{
    public ClientConnection Connection { get; } = connection;

    public DaemonServices Services { get; } = services;

    /// <summary>
    /// The client a request acts on: the connection's own registration, or, given a pid, that
    /// registered client (sanlock's <c>-p PID</c>), provided the caller is root or the same user.
    /// </summary>
    public RegisteredClient Target(int? pid)
    {
        if (pid is null)
        {
            return Connection.Client ?? throw new SanpoolException(LeaseDaemonErrors.NotRegistered,
                $"this connection (pid {Connection.Peer.Pid}) is not registered: send register first, or name a registered pid");
        }

        var client = Services.Clients.Find(pid.Value) ?? throw new SanpoolException(LeaseDaemonErrors.NotRegistered,
            $"pid {pid} is not a registered client of host '{Services.HostName}'");
        if (Connection.Peer.Uid != 0 && Connection.Peer.Uid != client.Uid)
        {
            throw new SanpoolException(LeaseDaemonErrors.PermissionDenied,
                $"uid {Connection.Peer.Uid} may not act for pid {pid} of uid {client.Uid}");
        }

        return client;
    }
}
