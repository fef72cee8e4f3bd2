using System.Net.Sockets;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Native;
using Sanpool.LeaseDaemon.Protocol;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// One accepted connection: reads request lines, answers each in order, and when the
/// connection closes hands a registered client's resources to the registry.
/// </summary>
internal sealed class ClientConnection(Socket socket, DaemonServices s, RequestRouter router)
{
    public PeerCredentials Peer { get; private set; }

    /// <summary>Set by register; the connection then is that client.</summary>
    public RegisteredClient? Client { get; set; }

    public async Task RunAsync()
    {
        try
        {
            Peer = PeerCredentials.Of(socket);
            DaemonLog.Connected(s.Logger, Peer.Pid, Peer.Uid);
            var stream = new NetworkStream(socket, ownsSocket: true);
            await using (stream.ConfigureAwait(false))
            {
                await ServeAsync(stream).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away, or the daemon stops: either way the connection is over.
        }
        finally
        {
            socket.Dispose();
            if (Client is { } client)
            {
                await s.Clients.ClosedAsync(client).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var reader = new LineReader(stream);
        var context = new RequestContext(this, s);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(s.Stopping).ConfigureAwait(false);
            }
            catch (SanpoolException e)
            {
                // Too long to be a request: answer once, then drop the connection (we lost the framing).
                await stream.WriteAsync(WireFormat.Encode(ErrorReply.From(e)), s.Stopping).ConfigureAwait(false);
                return;
            }

            if (line is null)
            {
                return;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var client = Client;
            client?.Heard(s.Now);
            client?.BeginRequest();
            DaemonReply reply;
            try
            {
                reply = await router.DispatchAsync(context, line, s.Stopping).ConfigureAwait(false);
            }
            finally
            {
                client?.EndRequest();
                Client?.Heard(s.Now);
            }

            await stream.WriteAsync(WireFormat.Encode(reply), s.Stopping).ConfigureAwait(false);
        }
    }
}
