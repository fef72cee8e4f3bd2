using Microsoft.Extensions.Logging;
using Sanpool.Agent.Api;
using Sanpool.Agent.DataPath;
using Sanpool.Agent.Events;
using Sanpool.Agent.Handlers.DataPath;
using Sanpool.Agent.Handlers.Events;
using Sanpool.Agent.Handlers.Host;
using Sanpool.Agent.Handlers.Pools;
using Sanpool.Agent.Handlers.Spm;
using Sanpool.Agent.Handlers.Tasks;
using Sanpool.Agent.Handlers.Vms;
using Sanpool.Agent.Vm;
using Sanpool.Api;
using Sanpool.Api.Images;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Spm.Structural;

namespace Sanpool.Agent;

/// <summary>
/// <c>sanpoold</c>, one host's agent, put together: its connection to the pool
/// (<see cref="PoolConnection"/>: master checked, host id joined, domain monitor, SPM role and
/// election), its data path and VMs, and one handler per verb of <see cref="AgentVerbs"/> in
/// <see cref="Verbs"/>, which <see cref="AgentApi"/> serves. Several agents run on one machine
/// as separate processes, each with its own config, run directory and socket.
/// </summary>
public sealed class HostAgent : IAsyncDisposable
{
    private readonly AgentParts _parts;

    public HostAgent(AgentConfig config, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        _parts = new AgentParts(config, logger);
        Verbs = Compose(_parts);
    }

    /// <summary>Every verb this agent answers, with its handler.</summary>
    public VerbTable Verbs { get; }

    public SpmRole? Spm => _parts.Connection.Spm;

    /// <summary>Raised with each new SPM role of this agent (one per connection to the pool).</summary>
    public event Action<SpmRole>? RoleCreated
    {
        add => _parts.Connection.RoleCreated += value;
        remove => _parts.Connection.RoleCreated -= value;
    }

    /// <summary>What the manager is told: VMs paused for space, extensions that found none (the <c>events</c> verb).</summary>
    public AgentEvents Events => _parts.Events;

    /// <summary>
    /// Starts the data path (it outlives connections to the pool: prepared images and VMs stay
    /// up across a reconnect), then runs the connection to the pool until <paramref name="stop"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var config = _parts.Config;
        Directory.CreateDirectory(config.RunDir);
        var dataPath = HostDataPath.Start(config, _parts.Events, _parts.Logger);
        _parts.Start(dataPath, new VmManager(config, dataPath, _parts.Events, _parts.Logger));
        await _parts.Connection.RunAsync(dataPath, stop).ConfigureAwait(false);
    }

    private static VerbTable Compose(AgentParts parts)
    {
        var connection = parts.Connection;
        var forwarder = new SpmForwarder(connection, parts.Logger);
        return new VerbTable()
            .Add(AgentVerbs.Status, new StatusHandler(parts))
            .Add(AgentVerbs.PoolInfo, new PoolInfoHandler(connection))
            .Add(AgentVerbs.DomainInfo, new DomainInfoHandler(connection))
            .Add(AgentVerbs.DomainVolumes, new DomainVolumesHandler(connection))
            .Add(AgentVerbs.DomainCheck, new DomainCheckHandler(connection))
            .Add(AgentVerbs.PoolAttach, new PoolAttachHandler(connection))
            .Add(AgentVerbs.PoolDetach, new PoolDetachHandler(connection))
            .Add(AgentVerbs.MoveMaster, new MoveMasterHandler(connection))
            .Add(AgentVerbs.SpmStatus, new SpmStatusHandler(connection))
            .Add(AgentVerbs.SpmStart, new SpmStartHandler(connection))
            .Add(AgentVerbs.SpmStop, new SpmStopHandler(connection))
            .Add(AgentVerbs.TaskStatus, new TaskStatusHandler(connection))
            .Add(AgentVerbs.TaskList, new TaskListHandler(connection))
            .Add(AgentVerbs.TaskClear, new TaskClearHandler(connection))
            .Add(AgentVerbs.ImageCreate, Structural(StructuralVerbs.ImageCreate, connection, forwarder))
            .Add(AgentVerbs.SnapshotCreate, Structural(StructuralVerbs.SnapshotCreate, connection, forwarder))
            .Add(AgentVerbs.ImageMerge, Structural(StructuralVerbs.ImageMerge, connection, forwarder))
            .Add(AgentVerbs.ImageCopy, Structural(StructuralVerbs.ImageCopy, connection, forwarder))
            .Add(AgentVerbs.VolumeDelete, Structural(StructuralVerbs.VolumeDelete, connection, forwarder))
            .Add(AgentVerbs.TemplateCreate, Structural(StructuralVerbs.TemplateCreate, connection, forwarder))
            .Add(AgentVerbs.ImagePrepare, new ImagePrepareHandler(parts))
            .Add(AgentVerbs.ImageTeardown, new ImageTeardownHandler(parts))
            .Add(AgentVerbs.ImagePrepared, new ImagePreparedHandler(parts))
            .Add(AgentVerbs.ThinStatus, new ThinStatusHandler(parts))
            .Add(AgentVerbs.DomainExtend, new DomainExtendHandler(parts, forwarder))
            .Add(AgentVerbs.MailboxWake, new MailboxWakeHandler(parts))
            .Add(AgentVerbs.VmStart, new VmStartHandler(parts))
            .Add(AgentVerbs.VmStatus, new VmStatusHandler(parts))
            .Add(AgentVerbs.VmList, new VmListHandler(parts))
            .Add(AgentVerbs.VmStop, new VmStopHandler(parts))
            .Add(AgentVerbs.Events, new EventsHandler(parts));
    }

    private static StructuralHandler<TRequest> Structural<TRequest>(StructuralVerb<TRequest> verb, PoolConnection connection, SpmForwarder forwarder)
        where TRequest : notnull, IStructuralRequest => new(verb, connection, forwarder);

    public async ValueTask DisposeAsync()
    {
        if (_parts.VmsOrNull is { } vms)
        {
            await vms.DisposeAsync().ConfigureAwait(false);
        }

        if (_parts.DataPathOrNull is { } dataPath)
        {
            await dataPath.DisposeAsync().ConfigureAwait(false);
        }

        await _parts.Connection.DisposeAsync().ConfigureAwait(false);
    }
}
