using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Engine.Data;
using Sanpool.Engine.Hosts;
using Sanpool.Engine.Jobs;
using Sanpool.Engine.Reconciliation;
using Sanpool.Engine.Security;
using Sanpool.Engine.Web;

namespace Sanpool.Engine;

/// <summary>
/// sanpool-engine's web application, composed. The pipeline, in order:
/// <code>
/// RequestBarrier           log each request; every error becomes a problem document
/// CorrelationIdMiddleware  read or make the Correlation-Id, echo it
/// BodyLimit                max_body_bytes (413)
/// routing, authentication (Bearer, Basic), authorization (login everywhere; read-only: GET only)
/// /api                     ApiRoot, Health, Pki (ca.pem), Auth (token, users), DataCenters, Hosts,
///                          StorageDomains, Disks, Events, then options.MapEndpoints
/// </code>
/// With a database, the host monitor (<see cref="HostMonitor"/>) polls the hosts in the background.
/// <code>
/// /api/openapi.json        the OpenAPI document
/// </code>
/// The host is built empty (no configuration files, no environment variables): nothing but the
/// engine's config decides where it listens.
/// </summary>
public static class EngineApp
{
    /// <summary>Kestrel's body limit is this many times max_body_bytes, so it can drain a body refused with 413.</summary>
    private const int DrainFactor = 16;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The application for <paramref name="config"/> (checked by <see cref="EngineConfigLoader"/>), not started.</summary>
    public static WebApplication Build(EngineConfig config, EngineAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = EngineAssembly.Name });
        builder.WebHost.UseSetting(WebHostDefaults.PreventHostingStartupKey, "true");
        AddServices(builder.Services, config, options);
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration().ConfigureKestrel(kestrel => Listen(kestrel, config, options.Certificates));
        options.ConfigureWebHost?.Invoke(builder.WebHost);

        var app = builder.Build();
        var logger = options.LoggerFactory.CreateLogger("Sanpool.Engine.Web");
        app.Use(new RequestBarrier(logger, options.TimeProvider, config.MaxBodyBytes).InvokeAsync);
        app.Use(CorrelationIdMiddleware.InvokeAsync);
        app.Use(new BodyLimit(config.MaxBodyBytes).InvokeAsync);
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();

        var api = app.MapGroup("/api").ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status500InternalServerError);
        api.MapApiRoot();
        api.MapHealth();
        api.MapPki();
        api.MapAuth();
        api.MapDataCenters();
        api.MapHosts();
        api.MapStorageDomains();
        api.MapDisks();
        api.MapVms();
        api.MapTemplates();
        api.MapJobs();
        api.MapEvents();
        options.MapEndpoints?.Invoke(api);
        app.MapOpenApi(EngineOpenApi.DocumentPath).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Runs the engine until <paramref name="cancellationToken"/> is cancelled (SIGTERM, Ctrl-C),
    /// then stops it and returns: makes data_dir, loads or makes the certificates, makes the
    /// first admin (printing a generated password once on <paramref name="output"/>), listens.
    /// </summary>
    /// <exception cref="SanpoolException">CERTIFICATE_ERROR, ENGINE_LISTEN_FAILED.</exception>
    public static async Task RunAsync(EngineConfig config, EngineAppOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var logger = options.LoggerFactory.CreateLogger("Sanpool.Engine");
        PrivateFiles.CreateDirectory(config.DataDir);
        using var madeHere = options.Certificates is null ? await LoadCertificatesAsync(config, options, logger, cancellationToken).ConfigureAwait(false) : null;
        await using var opened = options.Database is null ? await OpenDatabaseAsync(config, options, logger, cancellationToken).ConfigureAwait(false) : null;
        var database = options.Database ?? opened!;
        var users = options.Users ?? new SqlUserDirectory(database.Users);
        options = options with { Certificates = options.Certificates ?? madeHere, Users = users, Database = database };
        await using var app = Build(config, options);
        string? password = await AdminBootstrap.EnsureAdminAsync(users, config, options.TimeProvider, logger, cancellationToken).ConfigureAwait(false);
        if (password is not null)
        {
            await output.WriteLineAsync(AdminBootstrap.Announcement(password)).ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        await StartAsync(app, config, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            EngineLog.Stopping(logger, Environment.ProcessId);
        }

        using var grace = new CancellationTokenSource(StopTimeout);
        await app.StopAsync(grace.Token).ConfigureAwait(false);
        EngineLog.Stopped(logger);
    }

    private static void AddServices(IServiceCollection services, EngineConfig config, EngineAppOptions options)
    {
        services.AddSingleton<IHostLifetime, EngineLifetime>();
        services.AddSingleton<ILoggerFactory>(new FrameworkLogFilter(options.LoggerFactory));
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton(config);
        services.AddSingleton<IUserDirectory>(options.Users ?? (options.Database is { } db ? new SqlUserDirectory(db.Users) : new InMemoryUserDirectory()));
        if (options.Database is { } database)
        {
            services.AddSingleton(database);
            services.AddSingleton<IAgentCaller, AgentCaller>();
            services.AddSingleton<PoolImport>();
            services.AddSingleton<HostService>();
            services.AddSingleton<SpmManager>();
            services.AddSingleton<VmMonitor>();
            services.AddSingleton<HostMonitor>();
            services.AddSingleton(options.JobTimings);
            services.AddSingleton<PoolAgents>();
            services.AddSingleton<JobRunner>();
            services.AddSingleton<StorageJobs>();
            services.AddSingleton<VmJobs>();
            services.AddSingleton<VmRunJobs>();
            services.AddSingleton<DomainActions>();
            services.AddSingleton<DiskCopyJobs>();
            services.AddSingleton<TemplateJobs>();
            services.AddSingleton<TemplateVmJobs>();
            services.AddSingleton<DiskReconciler>();
            services.AddSingleton<ReconciliationLoop>();
            services.AddHostedService(provider => provider.GetRequiredService<ReconciliationLoop>());
            services.AddHostedService<JobRecovery>();
            if (options.RunHostMonitor)
            {
                services.AddHostedService(provider => provider.GetRequiredService<HostMonitor>());
            }
        }

        if (options.Certificates is { } certificates)
        {
            services.AddSingleton(certificates);
        }

        services.AddScoped<CorrelationContext>();
        services.AddRouting();
        services.Configure<RouteHandlerOptions>(handlers => handlers.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(json => EngineJson.Configure(json.SerializerOptions));
        services.AddEngineSecurity();
        services.AddOpenApi(EngineOpenApi.Configure);
        options.ConfigureServices?.Invoke(services);
    }

    /// <summary>The config's database, its schema brought to this engine's version (DB_UNREACHABLE, DB_SCHEMA_NEWER, DB_MIGRATION_FAILED).</summary>
    private static async Task<EngineDatabase> OpenDatabaseAsync(EngineConfig config, EngineAppOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var dbOptions = new EngineDatabaseOptions { Clock = options.TimeProvider, Logger = options.LoggerFactory.CreateLogger("Sanpool.Engine.Data") };
        var database = config.Database.IsPostgres
            ? EngineDatabase.OpenPostgres(config.Database.ConnectionString!, dbOptions)
            : EngineDatabase.OpenSqlite(config.SqlitePath, dbOptions);
        try
        {
            var migrated = await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            EngineLog.Migrated(logger, database.Description, migrated.VersionBefore, migrated.VersionAfter, migrated.Applied.Count);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<EngineCertificates?> LoadCertificatesAsync(EngineConfig config, EngineAppOptions options, ILogger logger, CancellationToken cancellationToken) =>
        config.Tls is { } tls
            ? await EngineCertificateAuthority.LoadConfiguredAsync(tls, cancellationToken).ConfigureAwait(false)
            : await EngineCertificateAuthority.LoadOrCreateAsync(config.PkiDir, options.TimeProvider, logger, cancellationToken).ConfigureAwait(false);

    private static void Listen(KestrelServerOptions kestrel, EngineConfig config, EngineCertificates? certificates)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = config.MaxBodyBytes * DrainFactor;
        kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        var address = config.ListenAddress;
        void Configure(ListenOptions listen)
        {
            if (address.IsHttps)
            {
                listen.UseHttps(certificates?.Server ?? throw new InvalidOperationException($"listening on {address} needs certificates"));
            }
        }

        if (address.IsUnix)
        {
            kestrel.ListenUnixSocket(address.SocketPath!, listen => listen.Protocols = HttpProtocols.Http1);
        }
        else if (address.IsLocalhost && address.Port != 0)
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else
        {
            kestrel.Listen(address.Address ?? IPAddress.Loopback, address.Port, Configure);
        }
    }

    private static async Task StartAsync(WebApplication app, EngineConfig config, ILogger logger, CancellationToken cancellationToken)
    {
        var address = config.ListenAddress;
        if (address.IsUnix)
        {
            await ClearStaleSocketAsync(address.SocketPath!, logger, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Kestrel's "failed to bind": the port is taken, or the socket's directory is missing.
            throw new SanpoolException(WebErrors.ListenFailed, $"cannot listen on {address}: {e.Message}", innerException: e);
        }

        foreach (string url in app.Urls)
        {
            EngineLog.Listening(logger, EngineVersion.Text, url);
        }

        EngineLog.Database(logger, config.DescribeDatabase());
    }

    /// <summary>A socket file nothing listens on (left by a killed engine) is removed; one that answers is another engine's.</summary>
    private static async Task ClearStaleSocketAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        if (!Path.Exists(path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            File.Delete(path);
            EngineLog.StaleSocketRemoved(logger, path);
            return;
        }

        throw new SanpoolException(WebErrors.ListenFailed, $"cannot listen on unix:{path}: another process serves it");
    }
}
