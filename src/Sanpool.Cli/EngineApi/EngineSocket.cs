using System.Net.Sockets;

namespace Sanpool.Cli.EngineApi;

/// <summary>HTTP to an engine that listens on a unix socket (<c>"listen": "unix:/PATH"</c>): every connection goes to that path.</summary>
internal static class EngineSocket
{
    public const string Prefix = "unix:";

    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connector(string path) => async (_, cancellationToken) =>
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}
