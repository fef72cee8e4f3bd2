using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sanpool.Agent.Events;
using Sanpool.Nbd;
using Sanpool.Pool;
using Sanpool.Pool.Mailbox;
using Sanpool.Pool.Monitor;
using Sanpool.Pool.Serving;
using Sanpool.Pool.Spm;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;

namespace Sanpool.Agent.DataPath;

/// <summary>
/// One host's data path (DESIGN sections 3 and 4): its NBD server, the images it has prepared,
/// the thin monitor that keeps their leaves ahead of the writes, and the storage mailbox that
/// carries the monitor's requests to the SPM (and, while this host is SPM, the server that
/// answers everyone's). It lives as long as the agent: prepared images and their VMs stay up
/// while the host reconnects to the pool (a master move); only the mailbox belongs to one
/// connection.
/// <code>
///  qemu --NBD--> LvExport --watermark--> ThinVolumeMonitor --xtnd--> inbox ==> SPM: MailboxServer
///     ^              ^                         |                                   |  VolumeExtender: lvextend
///     |              +------ RefreshAsync -----+ <--------- reply ---- outbox <====+
///     +-- cont (VmManager, on BLOCK_IO_ERROR nospace, once WaitForRoomAsync completes)
/// </code>
/// </summary>
internal sealed partial class HostDataPath : IThinWatcher, IAsyncDisposable
{
    private readonly AgentConfig _config;
    private readonly AgentEvents _events;
    private readonly ILogger _logger;
    private readonly MailboxRequester _requester;
    private PoolHost? _host;
    private SpmMailService? _spmMail;

    private HostDataPath(AgentConfig config, AgentEvents events, NbdServer nbd, ILogger logger)
    {
        _config = config;
        _events = events;
        _logger = logger;
        Nbd = nbd;
        Hints = new MailHints(config.HostId, logger);
        _requester = new MailboxRequester(config.HostId, logger);
        if (!MailboxRequester.Served(config.HostId))
        {
            LogMailboxNotServed(logger, config.HostId, Storage.Mailbox.MailboxLayout.VdsmMaxHostId);
        }

        Thin = new ThinVolumeMonitor(config.HostId, new ExtensionPolicy(config.Thin.ToPolicyOptions()), _requester, TimeProvider.System, logger);
        Thin.Extended += OnExtended;
        Thin.ExtendFailed += OnExtendFailed;
        Volumes = new VolumeServer(() => _host ?? throw new Core.SanpoolException(PoolErrors.PoolNotFound, $"host {config.HostId} is not connected to pool {config.Pool} yet", true), nbd, this, config.DataPathMode, logger);
    }

    public NbdServer Nbd { get; }

    public MailHints Hints { get; }

    public ThinVolumeMonitor Thin { get; }

    public VolumeServer Volumes { get; }

    /// <summary>Raised after a thin volume of this host got room (the VM layer resumes what waited for it).</summary>
    public event Action<IThinVolume>? VolumeExtended;

    /// <summary>The SPM side of the mailbox of the current connection.</summary>
    public SpmMailService? SpmMail => _spmMail;

    public MailboxRequester Requester => _requester;

    /// <summary>Starts the NBD server on the run directory's <c>nbd.sock</c>.</summary>
    public static HostDataPath Start(AgentConfig config, AgentEvents events, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        Directory.CreateDirectory(config.RunDir);
        var nbd = NbdServer.Start(Path.Combine(config.RunDir, "nbd.sock"), logger);
        return new HostDataPath(config, events, nbd, logger);
    }

    /// <summary>
    /// Binds to a new connection to the pool, before its election can make this host SPM: the
    /// host's mailbox client on the master, the SPM's mailbox service for the role's terms, and
    /// the host reports the wake hints are sent by.
    /// </summary>
    public async Task ConnectAsync(PoolHost host, SpmRole role, DomainMonitor monitor, CancellationToken session)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
        Hints.Use(() => monitor);
        _spmMail = new SpmMailService(role, Hints, _logger);
        _spmMail.Extender.NoSpace += w => _events.Publish("extend.nospace", new Dictionary<string, JsonNode?>
        {
            ["host_id"] = w.HostId,
            ["domain"] = w.Domain.ToString(),
            ["volume"] = w.Volume.ToString(),
            ["size_mib"] = w.SizeMiB,
            ["message"] = $"domain {w.Domain} has no room to extend volume {w.Volume} to {w.SizeMiB} MiB for host {w.HostId}; add a LUN (sanpool domain extend)",
        });
        _requester.Requested = () => Hints.Wake(host.Pool.SpmId);
        try
        {
            await _requester.ConnectAsync(host, session).ConfigureAwait(false);
        }
        catch (Core.SanpoolException e)
        {
            // The master's mailbox is unreadable now (lost storage): the pool connection goes on,
            // and extension requests wait until the mailbox opens.
            LogMailboxRetry(_logger, _config.HostId, host.Options.Master, e.OneLine);
            _ = RetryConnectAsync(host, session);
        }
    }

    private async Task RetryConnectAsync(PoolHost host, CancellationToken session)
    {
        while (!session.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), session).ConfigureAwait(false);
                await _requester.ConnectAsync(host, session).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Core.SanpoolException e)
            {
                LogMailboxRetry(_logger, _config.HostId, host.Options.Master, e.OneLine);
            }
        }
    }

    /// <summary>A hint from another host's agent: mail may be waiting (on the SPM) or answered (here).</summary>
    public void Wake()
    {
        _requester.Client?.Wake();
        _spmMail?.Server?.Wake();
    }

    public void Watch(IThinVolume volume) => Thin.Add(volume);

    public Task UnwatchAsync(IThinVolume volume) => Thin.RemoveAsync(volume);

    public async ValueTask DisposeAsync()
    {
        await Volumes.DisposeAsync().ConfigureAwait(false);
        await Thin.DisposeAsync().ConfigureAwait(false);
        await _requester.DisposeAsync().ConfigureAwait(false);
        await Nbd.DisposeAsync().ConfigureAwait(false);
        Hints.Dispose();
    }

    private void OnExtended(ThinVolumeExtended e)
    {
        _events.Publish("extend.done", new Dictionary<string, JsonNode?>
        {
            ["domain"] = e.Volume.Domain.ToString(),
            ["volume"] = e.Volume.Volume.ToString(),
            ["from_mib"] = e.OldSize >> 20,
            ["to_mib"] = e.NewSize >> 20,
            ["latency_ms"] = Math.Round(e.Latency.TotalMilliseconds, 1),
        });
        VolumeExtended?.Invoke(e.Volume);
    }

    private void OnExtendFailed(ThinVolumeExtendFailed e)
    {
        _events.Publish(e.Failure.Kind == ExtendFailureKind.NoSpace ? "extend.nospace" : "extend.failed", new Dictionary<string, JsonNode?>
        {
            ["host_id"] = _config.HostId,
            ["domain"] = e.Volume.Domain.ToString(),
            ["volume"] = e.Volume.Volume.ToString(),
            ["reason"] = e.Failure.Kind.ToString(),
            ["attempt"] = e.Attempt,
            ["message"] = e.Failure.Message,
        });
    }

    [LoggerMessage(EventId = 8633, Level = LogLevel.Warning, Message = "host {HostId}: the SPM reads the storage mailboxes of host ids 1..{MaxHostId} only; thin volumes served by this host cannot grow (extension requests fail at once)")]
    private static partial void LogMailboxNotServed(ILogger logger, int hostId, int maxHostId);

    [LoggerMessage(EventId = 859, Level = LogLevel.Warning, Message = "host {HostId}: cannot open the storage mailbox of master {Master}: {Error}; extension requests wait, retrying in 5 s")]
    private static partial void LogMailboxRetry(ILogger logger, int hostId, Guid master, string error);
}
