using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Engine.Data;
using Sanpool.Engine.Security;

namespace Sanpool.Engine;

/// <summary>
/// What <see cref="EngineApp"/> is built with, besides the config: the services it does not
/// make itself, and hooks for tests and for parts wired later.
/// </summary>
public sealed record EngineAppOptions
{
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The users and tokens; null: in <see cref="EngineApp.RunAsync"/> the database's
    /// (<see cref="SqlUserDirectory"/>), in <see cref="EngineApp.Build"/> without a database
    /// <see cref="InMemoryUserDirectory"/> (gone at exit).
    /// </summary>
    public IUserDirectory? Users { get; init; }

    /// <summary>The inventory; null: <see cref="EngineApp.RunAsync"/> opens the config's and migrates it.</summary>
    public EngineDatabase? Database { get; init; }

    /// <summary>Whether the host monitor polls in the background (with a database); tests turn it off and run its rounds themselves.</summary>
    public bool RunHostMonitor { get; init; } = true;

    /// <summary>How storage jobs pace their calls to the agents.</summary>
    public Jobs.JobTimings JobTimings { get; init; } = new();

    /// <summary>TLS; null in <see cref="EngineApp.Build"/>: none (http, unix, or a test server); <see cref="EngineApp.RunAsync"/> then loads or makes them.</summary>
    public EngineCertificates? Certificates { get; init; }

    /// <summary>More services, after the engine's own (a later registration of a service wins).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>More endpoint groups under <c>/api</c>, behind the login like the rest.</summary>
    public Action<IEndpointRouteBuilder>? MapEndpoints { get; init; }

    /// <summary>The web host before it is built (tests: <c>UseTestServer()</c>).</summary>
    public Action<IWebHostBuilder>? ConfigureWebHost { get; init; }
}
