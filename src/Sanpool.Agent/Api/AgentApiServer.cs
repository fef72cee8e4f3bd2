using Sanpool.Api.Client;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Sanpool.Agent.Api;

/// <summary>
/// A running agent API (see <see cref="AgentApi.StartAsync"/>). Disposing it stops listening,
/// lets requests in flight finish for up to <see cref="StopGrace"/>, removes the socket file
/// and releases the socket path.
/// </summary>
public sealed class AgentApiServer : IAsyncDisposable
{
    /// <summary>How long requests in flight may take to finish when the API stops; then their connections are closed.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly SocketPathClaim _claim;
    private readonly ILogger _logger;
    private readonly string _host;
    private int _stopped;

    internal AgentApiServer(WebApplication app, SocketPathClaim claim, string socketPath, IPEndPoint? tcpEndPoint, string host, ILogger logger)
    {
        _app = app;
        _claim = claim;
        _host = host;
        _logger = logger;
        SocketPath = socketPath;
        TcpEndPoint = tcpEndPoint;
    }

    /// <summary>The unix socket, as a full path.</summary>
    public string SocketPath { get; }

    /// <summary>The TCP endpoint bound, with the real port; null when the API listens on the unix socket only.</summary>
    public IPEndPoint? TcpEndPoint { get; }

    /// <summary>The base URL of the TCP endpoint (http://127.0.0.1:PORT/), for <see cref="AgentClient.Create"/>.</summary>
    public Uri? TcpUrl => TcpEndPoint is null ? null : new Uri($"http://{TcpEndPoint}/");

    /// <summary>Stops listening; requests in flight get until <paramref name="cancellationToken"/> is cancelled to finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Kestrel unlinks the socket it bound; this is for a stop it could not finish. The
            // claim is still held here, so no other agent has bound the path in between.
            File.Delete(SocketPath);
            _claim.Dispose();
            ApiLog.Stopped(_logger, _host);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (var grace = new CancellationTokenSource(StopGrace))
        {
            await StopAsync(grace.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
