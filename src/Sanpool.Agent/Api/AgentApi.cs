using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Api;
using Sanpool.Api.Client;
using Sanpool.Core;

namespace Sanpool.Agent.Api;

/// <summary>
/// The agent's HTTP API: a <see cref="VerbTable"/> served by Kestrel on a unix socket, and
/// optionally on TCP behind a bearer token, with its OpenAPI document. The contract (requests,
/// replies, the verb catalog) is <c>Sanpool.Api</c>. Routes in <see cref="VerbEndpoints"/>, arguments in
/// <see cref="RequestArguments"/>, errors in <see cref="AgentProblems"/>, limits in
/// <see cref="AgentApiOptions"/>. The pipeline, in order:
/// <code>
/// RequestBarrier     log each request; every error becomes a problem document
/// BearerTokenCheck   TCP needs the token; the unix socket does not
/// routing            /v1/{verb} -> that verb's endpoint; /openapi/v1.json; anything else 404
/// </code>
/// The host is built empty (no configuration files, no environment variables): nothing but
/// these options decides where the agent listens.
/// </summary>
public static class AgentApi
{
    private const int MaxSocketPathBytes = 107; // sun_path is 108 bytes with its NUL
    private const int DrainFactor = 16;

    /// <summary>Starts serving <paramref name="verbs"/>; dispose the result to stop.</summary>
    /// <exception cref="SanpoolException">INVALID_ARGUMENT for bad options; AGENT_RUNNING when another
    /// agent serves the socket; AGENT_LISTEN_FAILED when the socket or port cannot be bound.</exception>
    public static async Task<AgentApiServer> StartAsync(VerbTable verbs, AgentApiOptions options, ILoggerFactory? loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verbs);
        ArgumentNullException.ThrowIfNull(options);
        options = options with { SocketPath = Validate(options) };
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        var logger = factory.CreateLogger("Sanpool.Agent.Api");
        var claim = await SocketPathClaim.TakeAsync(options.SocketPath, logger, options.HostName, cancellationToken).ConfigureAwait(false);
        var sockets = new ListenSockets();
        WebApplication? app = null;
        try
        {
            app = Build(verbs, options, factory, logger, sockets);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            claim.Dispose();
            if (e is IOException)
            {
                // Kestrel's "failed to bind": the port is taken, or the socket's directory is gone.
                throw new SanpoolException(AgentErrors.ListenFailed, $"cannot listen on {Where(options)}: {e.Message}", innerException: e);
            }

            throw;
        }

        ApiLog.Started(logger, options.HostName, options.SocketPath, sockets.Tcp is null ? "" : $" and tcp {sockets.Tcp} (bearer token)");
        return new AgentApiServer(app, claim, options.SocketPath, sockets.Tcp, options.HostName, logger);
    }

    private static WebApplication Build(VerbTable verbs, AgentApiOptions options, ILoggerFactory factory, ILogger logger, ListenSockets sockets)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "sanpoold" });
        builder.WebHost.UseSetting(WebHostDefaults.PreventHostingStartupKey, "true");
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton<ILoggerFactory>(new FrameworkLogFilter(factory));
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddRoutingCore();
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        builder.Services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "sanpoold";
            document.Info.Description = "One host's agent: the pool, the SPM role, tasks, structural verbs, the data path, VMs and events.";
            return Task.CompletedTask;
        }).AddOperationTransformer(VerbOpenApi.AddRequestBodyAsync));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => Listen(kestrel, options));
        builder.WebHost.UseSockets(transport => transport.CreateBoundListenSocket = sockets.Bind);

        var app = builder.Build();
        app.Use(new RequestBarrier(options.HostName, logger, options.TimeProvider).InvokeAsync);
        app.Use(new BearerTokenCheck(options.Token).InvokeAsync);
        app.UseRouting();
        app.MapAgentVerbs(verbs, options, logger);
        app.MapOpenApi(VerbEndpoints.OpenApiPath);
        return app;
    }

    private static void Listen(KestrelServerOptions kestrel, AgentApiOptions options)
    {
        kestrel.AddServerHeader = false;
        // The API refuses bodies over MaxBodyBytes itself (VerbDispatcher); Kestrel's own limit is
        // higher so that after a 413 it can still read and drop the rest of a body the client is
        // sending (up to 16 x the limit), and the client reads the 413 instead of a broken pipe.
        kestrel.Limits.MaxRequestBodySize = (long)options.MaxBodyBytes * DrainFactor;
        kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
        kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        kestrel.ListenUnixSocket(options.SocketPath, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set(UnixSocketConnection.Instance);
                return next(connection);
            });
        });
        if (options.TcpEndPoint is { } tcp)
        {
            kestrel.Listen(tcp, listen => listen.Protocols = HttpProtocols.Http1);
        }
    }

    /// <summary>Checks the options; returns the socket path made absolute.</summary>
    private static string Validate(AgentApiOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.SocketPath))
        {
            throw CommonErrors.Invalid("the agent API needs a socket path");
        }

        string path = Path.GetFullPath(options.SocketPath);
        if (Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
        {
            throw CommonErrors.Invalid($"socket path {path} is longer than {MaxSocketPathBytes} bytes");
        }

        if (options.TcpEndPoint is not null)
        {
            ValidateToken(options.Token);
        }

        if (options.MaxBodyBytes <= 0 || options.MaxVerbLength <= 0 || options.MaxArguments <= 0
            || options.MaxArgumentNameLength <= 0 || options.MaxArgumentLength <= 0 || options.MaxConnections <= 0
            || options.RequestTimeout <= TimeSpan.Zero)
        {
            throw CommonErrors.Invalid("the agent API's limits must be positive");
        }

        return path;
    }

    private static void ValidateToken(string? token)
    {
        const int MinTokenLength = 16;
        if (token is null || token.Length < MinTokenLength)
        {
            throw CommonErrors.Invalid($"listening on TCP needs a bearer token of at least {MinTokenLength} characters");
        }

        if (token.Any(c => c is < '!' or > '~'))
        {
            throw CommonErrors.Invalid("the bearer token must be printable ASCII without spaces");
        }
    }

    private static string Where(AgentApiOptions options) =>
        options.TcpEndPoint is null ? options.SocketPath : $"{options.SocketPath} and {options.TcpEndPoint}";
}
