using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Sanpool.Agent.Api;

/// <summary>
/// Creates Kestrel's listening sockets (<see cref="SocketTransportOptions.CreateBoundListenSocket"/>)
/// so that the unix socket file is 0600 before anyone can connect: it is bound, its mode set,
/// and only then does Kestrel call listen(2); until then a connect is refused. Chmod after
/// Kestrel had started would leave a window where any local user could reach the agent.
/// Also records the TCP endpoint actually bound (an ephemeral port when 0 was asked).
/// </summary>
internal sealed class ListenSockets
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public IPEndPoint? Tcp { get; private set; }

    public Socket Bind(EndPoint endpoint)
    {
        var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        try
        {
            if (endpoint is UnixDomainSocketEndPoint unix)
            {
                if (OperatingSystem.IsWindows())
                {
                    throw new PlatformNotSupportedException("the agent API's unix socket needs Linux file modes");
                }

                File.SetUnixFileMode(unix.ToString(), OwnerOnly);
            }
            else if (socket.LocalEndPoint is IPEndPoint ip)
            {
                Tcp = ip;
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
