using Microsoft.Extensions.Logging;
using Sanpool.Agent.DataPath;
using Sanpool.Agent.Events;
using Sanpool.Agent.Vm;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent;

/// <summary>
/// What the verb handlers of one agent share: its config, its connection to the pool, its
/// events, and the data path and VMs, which exist from the start of <see cref="HostAgent.RunAsync"/>
/// and outlive every reconnection (prepared images and VMs stay up across one).
/// </summary>
internal sealed class AgentParts(AgentConfig config, ILogger logger)
{
    private volatile HostDataPath? _dataPath;
    private volatile VmManager? _vms;
    private PoolConnection? _connection;

    public AgentConfig Config => config;

    public ILogger Logger => logger;

    /// <summary>When the manager last called, and so the priority this host's election contends with.</summary>
    public ManagerContact Manager { get; } = new(!config.Election, config.SpmPriority, TimeSpan.FromSeconds(config.ManagerGraceSeconds), TimeProvider.System, logger);

    public PoolConnection Connection => _connection ??= new(config, Manager, logger);

    /// <summary>What the manager is told: VMs paused for space, extensions that found none (the <c>events</c> verb).</summary>
    public AgentEvents Events { get; } = new(TimeProvider.System);

    public HostDataPath DataPath => _dataPath ?? throw NotRunning();

    public VmManager Vms => _vms ?? throw NotRunning();

    public HostDataPath? DataPathOrNull => _dataPath;

    public VmManager? VmsOrNull => _vms;

    public void Start(HostDataPath dataPath, VmManager vms)
    {
        _dataPath = dataPath;
        _vms = vms;
    }

    private SanpoolException NotRunning() => new(PoolErrors.PoolNotFound, $"host {config.HostId} is not running yet", true);
}
