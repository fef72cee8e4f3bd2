using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Agent.Api;
using Sanpool.Agent.DataPath;
using Sanpool.Agent.Events;
using Sanpool.Agent.Vm;
using Sanpool.Pool;
using Sanpool.Pool.Monitor;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Tasks;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Agent;

/// <summary>
/// <c>sanpoold</c>: one host's agent. It connects to the pool (master checked, host id joined
/// in the master lockspace), runs the SPM election, and answers the verbs of
/// <see cref="IAgentVerbs"/>. Several agents run on one machine as separate processes, each
/// with its own config, run directory and socket.
/// </summary>
public sealed partial class HostAgent : IAgentVerbs, IAsyncDisposable
{
    private static readonly FrozenSet<string> AllVerbs = new[] { "status", "pool.info", "domain.info", "pool.move-master", "pool.attach", "pool.detach", "spm.status", "spm.start", "spm.stop", "task.status", "task.list", "task.clear" }
        .Concat(StructuralVerbs.Names).Concat(DataPathVerbs.Names).ToFrozenSet(StringComparer.Ordinal);
    private readonly AgentConfig _config;
    private readonly ILogger _logger;
    private PoolHost? _host;
    private SpmRole? _spm;
    private SpmElection? _election;
    private DomainMonitor? _monitor;
    private CancellationTokenSource? _session;
    private Guid? _moveTo;
    private HostDataPath? _dataPath;
    private VmManager? _vms;
    private DataPathVerbs? _dataVerbs;

    public HostAgent(AgentConfig config, ILogger logger)
    {
        _config = config;
        _logger = logger;
    }

    public IReadOnlyCollection<string> Verbs => AllVerbs;

    public SpmRole? Spm => _spm;

    /// <summary>What the manager is told: VMs paused for space, extensions that found none (the <c>events</c> verb).</summary>
    public AgentEvents Events { get; } = new(TimeProvider.System);

    /// <summary>
    /// Connects (retrying while the storage is not there yet) and runs the domain monitor and
    /// the election until <paramref name="stop"/>. When the master role moves to another domain
    /// (this host's own pool.move-master, or the monitor finding its master demoted), the host
    /// leaves the pool and connects again to the new master, unless its config pins a
    /// master_version, in which case WRONG_MASTER ends the agent.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Directory.CreateDirectory(_config.RunDir);
        // The data path outlives connections to the pool: prepared images and VMs stay up across a reconnect.
        _dataPath = HostDataPath.Start(_config, Events, _logger);
        _vms = new VmManager(_config, _dataPath, Events, _logger);
        _dataVerbs = new DataPathVerbs(_config, _dataPath, _vms, Events);
        var options = new PoolHostOptions
        {
            Pool = _config.Pool,
            Master = _config.Master,
            MasterVersion = _config.MasterVersion,
            Locator = new DomainLocator(_config.Paths, _config.Devices) { DataPath = _config.DataPathMode },
            HostId = _config.HostId,
            HostName = _config.HostName,
            RunDirectory = _config.RunDir,
        };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await SessionAsync(options, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            if (_moveTo is not { } next || stop.IsCancellationRequested)
            {
                return;
            }

            LogFollowingMaster(_logger, _config.Pool, _config.HostId, options.Master, next);
            await LeaveAsync().ConfigureAwait(false);
            options = options with { Master = next, MasterVersion = null };
            _moveTo = null;
        }
    }

    /// <summary>One connection to the pool through one master: until stopped, or until the master moves.</summary>
    private async Task SessionAsync(PoolHostOptions options, CancellationToken stop)
    {
        while (_host is null)
        {
            try
            {
                _host = await PoolHost.ConnectAsync(options, new QemuImg(), _logger, stop).ConfigureAwait(false);
            }
            catch (SanpoolException e) when (e.Code != PoolErrors.WrongMaster && e.Code != PoolErrors.PoolNotFound)
            {
                LogConnectRetry(_logger, _config.Pool, _config.HostId, e.OneLine);
                await Task.Delay(TimeSpan.FromSeconds(2), stop).ConfigureAwait(false);
            }
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _session = session;
        _spm = new SpmRole(_host, _logger);
        var spm = _spm;
        _monitor = new DomainMonitor(_host, Path.GetFullPath(_config.Socket), _config.Tcp, () => SpmName(spm.State), _logger);
        _monitor.MasterMoved += () => _ = FollowMasterAsync(session.Token);
        _election = new SpmElection(_spm, _monitor, _config.Election ? _config.SpmPriority : -1, _logger);
        try
        {
            // Before the election can make this host SPM: the SPM's mailbox service starts with its first term.
            await _dataPath!.ConnectAsync(_host, spm, _monitor, session.Token).ConfigureAwait(false);
            await Task.WhenAll(_monitor.RunAsync(session.Token), _election.RunAsync(session.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
        }
        finally
        {
            _session = null;
        }
    }

    /// <summary>The monitor found our master demoted: find the one that replaced it and reconnect there.</summary>
    private async Task FollowMasterAsync(CancellationToken session)
    {
        if (_host?.Options.MasterVersion is not null)
        {
            // A pinned master_version is the operator's word: stay, and say so (the monitor logs WRONG_MASTER).
            return;
        }

        try
        {
            if (_host is { } host && await host.FindCurrentMasterAsync(session).ConfigureAwait(false) is { } current && current.Domain != host.Options.Master)
            {
                RequestMove(current.Domain);
            }
        }
        catch (Exception e) when (e is SanpoolException or OperationCanceledException)
        {
        }
    }

    private void RequestMove(Guid master)
    {
        _moveTo = master;
        try
        {
            _session?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Leaves the pool (role, monitor, lockspaces) before connecting through another master.</summary>
    private async Task LeaveAsync()
    {
        if (_monitor is not null)
        {
            await _monitor.DisposeAsync().ConfigureAwait(false);
            _monitor = null;
        }

        _election = null;
        if (_spm is not null)
        {
            await _spm.DisposeAsync().ConfigureAwait(false);
            _spm = null;
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
            _host = null;
        }
    }

    public async Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!Verbs.Contains(verb))
        {
            throw CommonErrors.Invalid($"unknown verb '{VerbArgs.Printable(verb)}'; known: {string.Join(", ", Verbs.Order(StringComparer.Ordinal))}");
        }

        if (DataPathVerbs.Names.Contains(verb))
        {
            return await DataPathAsync(verb, args, cancellationToken).ConfigureAwait(false);
        }

        if (StructuralVerbs.IsStructural(verb))
        {
            var (forward, verbArgs) = SplitForward(args);
            if (forward && Role.State != SpmState.Spm)
            {
                return await ForwardAsync(verb, verbArgs, cancellationToken).ConfigureAwait(false);
            }

            var task = await StructuralVerbs.SubmitAsync(Role, verb, verbArgs, cancellationToken).ConfigureAwait(false);
            return new JsonObject { ["task"] = Json(task) };
        }

        var a = new VerbArgs(verb, args, verb switch
        {
            "task.status" or "task.clear" => ["task"],
            "domain.info" or "pool.move-master" or "pool.attach" or "pool.detach" => ["domain"],
            _ => [],
        });
        return verb switch
        {
            "status" => await StatusAsync(cancellationToken).ConfigureAwait(false),
            "pool.info" => Json(await Connected.ReadPoolAsync(cancellationToken).ConfigureAwait(false)),
            "domain.info" => await DomainInfoAsync(a.Uuid("domain"), cancellationToken).ConfigureAwait(false),
            "pool.move-master" => await MoveMasterAsync(a.Uuid("domain"), cancellationToken).ConfigureAwait(false),
            "pool.attach" => Json(await Role.AttachAsync(a.Uuid("domain"), cancellationToken).ConfigureAwait(false)),
            "pool.detach" => Json(await Role.DetachAsync(a.Uuid("domain"), cancellationToken).ConfigureAwait(false)),
            "spm.status" => Json(await Role.StatusAsync(cancellationToken).ConfigureAwait(false)),
            "spm.start" => await SpmStartAsync(cancellationToken).ConfigureAwait(false),
            "spm.stop" => await SpmStopAsync(cancellationToken).ConfigureAwait(false),
            "task.list" => new JsonArray([.. (await TasksAsync(cancellationToken).ConfigureAwait(false)).Select(Json)]),
            "task.status" => Json(await TaskAsync(a.Uuid("task"), cancellationToken).ConfigureAwait(false)),
            "task.clear" => await ClearAsync(a.Uuid("task"), cancellationToken).ConfigureAwait(false),
            _ => throw CommonErrors.Invalid($"unknown verb '{VerbArgs.Printable(verb)}'; known: {string.Join(", ", Verbs.Order(StringComparer.Ordinal))}"),
        };
    }

    /// <summary>A data-path verb; domain.extend is the SPM's, and may be forwarded to it like a structural verb.</summary>
    private async Task<JsonNode> DataPathAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        var verbs = _dataVerbs ?? throw new SanpoolException(PoolErrors.PoolNotFound, $"host {_config.HostId} is not running yet", true);
        if (verb == "domain.extend")
        {
            var (forward, verbArgs) = SplitForward(args);
            if (forward && Role.State != SpmState.Spm)
            {
                return await ForwardAsync(verb, verbArgs, cancellationToken).ConfigureAwait(false);
            }

            args = verbArgs;
        }

        return await verbs.InvokeAsync(verb, args, _spm, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The client's "forward" argument (true/false), and the verb's own arguments.</summary>
    private static (bool Forward, IReadOnlyDictionary<string, string> Args) SplitForward(IReadOnlyDictionary<string, string> args)
    {
        if (!args.TryGetValue(ForwardArg, out var value))
        {
            return (false, args);
        }

        bool forward = value switch
        {
            "true" => true,
            "false" => false,
            _ => throw CommonErrors.Invalid($"'{ForwardArg}' is true or false, not '{VerbArgs.Printable(value)}'"),
        };
        return (forward, args.Where(a => a.Key != ForwardArg).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// Sends a structural verb to the pool's SPM, found from the pool keys and reached at the
    /// API its host report names. The forwarded call carries no "forward", so it cannot bounce:
    /// if that host is no longer SPM, it refuses with NOT_SPM and the client retries.
    /// </summary>
    private async Task<JsonNode> ForwardAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        var pool = await Connected.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        if (pool.SpmId <= 0 || pool.SpmId == _config.HostId)
        {
            throw new SanpoolException(PoolErrors.NotSpm, $"host {_config.HostId} cannot forward {verb}: pool {_config.Pool} has no SPM now", isTransient: true);
        }

        var report = _monitor?.ReportOf(pool.SpmId);
        string target = report switch
        {
            { Socket: { } socket } when File.Exists(socket) => socket,
            { Tcp: { } tcp } => $"http://{tcp}",
            _ => throw new SanpoolException(PoolErrors.NotSpm,
                $"host {_config.HostId} cannot forward {verb}: the SPM is host {pool.SpmId}, and its report in the master domain does not say where its API listens", isTransient: true),
        };
        LogForwarding(_logger, _config.Pool, verb, _config.HostId, pool.SpmId, target);
        using var client = AgentClient.Create(target, report.Socket == target ? null : _config.Token);
        var reply = await client.InvokeAsync(verb, args, cancellationToken).ConfigureAwait(false);
        if (reply is JsonObject o)
        {
            o["forwarded_to"] = pool.SpmId;
        }

        return reply;
    }

    private static string SpmName(SpmState state) => state == SpmState.Spm ? "SPM" : state.ToString();

    private PoolHost Connected => _host ?? throw new SanpoolException(PoolErrors.PoolNotFound, $"host {_config.HostId} is not connected to pool {_config.Pool} yet", true);

    private SpmRole Role => _spm ?? throw new SanpoolException(PoolErrors.PoolNotFound, $"host {_config.HostId} is not connected to pool {_config.Pool} yet", true);

    private async Task<JsonNode> StatusAsync(CancellationToken cancellationToken)
    {
        var status = new JsonObject
        {
            ["host_id"] = _config.HostId,
            ["host_name"] = _config.HostName,
            ["pool"] = _config.Pool.ToString(),
            ["master"] = (_host?.Options.Master ?? _config.Master).ToString(),
            ["connected"] = _host is not null,
        };
        if (_spm is not null)
        {
            status["spm"] = Json(await _spm.StatusAsync(cancellationToken).ConfigureAwait(false));
            status["lease_valid"] = _host!.Lockspace.IsValid;
        }

        if (_monitor is { HasChecked: true } monitor)
        {
            status["sees_all"] = monitor.SeesAll;
            status["domains"] = JsonSerializer.SerializeToNode(monitor.Statuses.Values.OrderBy(d => d.Domain), JsonOptions);
            status["hosts"] = JsonSerializer.SerializeToNode(monitor.Others.Select(r => new { r.HostId, r.HostName, r.Spm, r.SeesAll, r.Socket, r.Tcp }), JsonOptions);
        }

        return status;
    }

    /// <summary>On the SPM: moves the master role, then this host (and every other, by its monitor) reconnects through the new master.</summary>
    private async Task<JsonNode> MoveMasterAsync(Guid domain, CancellationToken cancellationToken)
    {
        var keys = await Role.MoveMasterAsync(domain, cancellationToken).ConfigureAwait(false);
        RequestMove(domain);
        var reply = (JsonObject)Json(keys);
        reply["master"] = domain.ToString();
        return reply;
    }

    private async Task<JsonNode> SpmStartAsync(CancellationToken cancellationToken)
    {
        var role = Role;
        if (_election is not null)
        {
            _election.Paused = false;
        }

        return Json(await role.StartAsync(cancellationToken).ConfigureAwait(false));
    }

    private async Task<JsonNode> SpmStopAsync(CancellationToken cancellationToken)
    {
        var role = Role;
        if (_election is not null)
        {
            _election.Paused = true;
        }

        await role.StopAsync(cancellationToken).ConfigureAwait(false);
        return Json(await role.StatusAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A domain of the pool as its metadata says now (seal checked), read from this host.</summary>
    private async Task<JsonNode> DomainInfoAsync(Guid domain, CancellationToken cancellationToken)
    {
        var store = await Connected.StoreAsync(domain, cancellationToken).ConfigureAwait(false);
        var info = Storage.Domains.DomainInfo.From(await store.ReadDomainMetadataAsync(cancellationToken).ConfigureAwait(false));
        return JsonSerializer.SerializeToNode(info, JsonOptions)!;
    }

    private async Task<IReadOnlyList<TaskRecord>> TasksAsync(CancellationToken cancellationToken)
    {
        if (Role.State == SpmState.Spm)
        {
            return Role.Tasks.List();
        }

        // Any host may read the tasks; only the SPM writes them.
        await using var device = await Connected.Master.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        return (await TaskStore.LoadAsync(device, cancellationToken).ConfigureAwait(false)).All;
    }

    private async Task<TaskRecord> TaskAsync(Guid id, CancellationToken cancellationToken) =>
        (await TasksAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(t => t.Id == id)
        ?? throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {_config.Pool}");

    private async Task<JsonNode> ClearAsync(Guid id, CancellationToken cancellationToken)
    {
        await Role.Tasks.ClearAsync(id, cancellationToken).ConfigureAwait(false);
        return new JsonObject { ["cleared"] = id.ToString() };
    }

    private const string ForwardArg = "forward";

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static JsonNode Json(TaskRecord task) => JsonNode.Parse(task.ToJsonText())!;

    private static JsonNode Json(SpmStatus s) => new JsonObject
    {
        ["state"] = s.State == SpmState.Spm ? "SPM" : s.State.ToString(),
        ["spm_id"] = s.SpmId,
        ["lver"] = s.Lver,
    };

    private static JsonNode Json(PoolMetadata p) => new JsonObject
    {
        ["pool"] = p.Pool.ToString(),
        ["description"] = p.Description,
        ["master_version"] = p.MasterVersion,
        ["domains"] = new JsonObject([.. p.Domains.Select(d => KeyValuePair.Create(d.Key.ToString(), (JsonNode?)JsonValue.Create(d.Value)))]),
        ["spm_id"] = p.SpmId,
        ["spm_lver"] = p.SpmLver,
    };

    public async ValueTask DisposeAsync()
    {
        if (_vms is not null)
        {
            await _vms.DisposeAsync().ConfigureAwait(false);
        }

        if (_dataPath is not null)
        {
            await _dataPath.DisposeAsync().ConfigureAwait(false);
        }

        if (_monitor is not null)
        {
            await _monitor.DisposeAsync().ConfigureAwait(false);
        }

        if (_spm is not null)
        {
            if (_spm.State == SpmState.Spm)
            {
                try
                {
                    await _spm.StopAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (SanpoolException e)
                {
                    LogStopFailed(_logger, _config.Pool, _config.HostId, e.OneLine);
                }
            }

            await _spm.DisposeAsync().ConfigureAwait(false);
        }

        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 740, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId} cannot connect yet: {Error}; retrying")]
    private static partial void LogConnectRetry(ILogger logger, Guid pool, int hostId, string error);

    [LoggerMessage(EventId = 742, Level = LogLevel.Information, Message = "pool {Pool}: {Verb} forwarded from host {HostId} to the SPM, host {SpmId}, at {Target}")]
    private static partial void LogForwarding(ILogger logger, Guid pool, string verb, int hostId, int spmId, string target);

    [LoggerMessage(EventId = 743, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId}: the master role moved from {Old} to {New}; reconnecting through the new master")]
    private static partial void LogFollowingMaster(ILogger logger, Guid pool, int hostId, Guid old, Guid @new);

    [LoggerMessage(EventId = 741, Level = LogLevel.Warning, Message = "pool {Pool}: host {HostId}: spm stop on shutdown failed: {Error}")]
    private static partial void LogStopFailed(ILogger logger, Guid pool, int hostId, string error);
}
