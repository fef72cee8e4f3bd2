using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Agent.DataPath;
using Sanpool.DataPath;
using Sanpool.Nbd;
using Sanpool.Pool.Mailbox;
using Sanpool.Pool.Thin;
using Sanpool.Storage.Thin;
using Sanpool.Storage.Volumes;

namespace Sanpool.Bench;

/// <summary>
/// One thin disk served as the agent serves it (HostDataPath's wiring, in one process, with the
/// real parts): the volume's LV mapped by an <see cref="LvExport"/> and added to an
/// <see cref="NbdServer"/> on a unix socket; a <see cref="ThinVolumeMonitor"/> under the policy
/// being measured, whose requests go through the agent's <see cref="MailboxRequester"/> into the
/// rig's inbox; and the SPM's <see cref="MailboxServer"/> on the same mailbox, whose handler runs
/// the real <c>lvextend</c> (<see cref="MailboxLvHandler"/>). Hints are wired as in the agent
/// (request written -> SPM <c>Wake</c>, reply written -> host <c>Wake</c>; in-process here).
/// Without a policy there is no monitor and no mailbox: the export alone (the anchor).
/// </summary>
internal sealed class MeasuredThinHost : IAsyncDisposable
{
    private const int HostId = 1;

    private readonly CancellationTokenSource _session = new();
    private readonly ConcurrentQueue<TimeSpan> _latencies = new();
    private NbdServer? _nbd;
    private LvExport? _export;
    private ThinVolumeMonitor? _monitor;
    private MailboxRequester? _requester;
    private Task? _serving;

    private MeasuredThinHost()
    {
    }

    public LvExport Export => _export!;

    /// <summary>Where qemu-io finds the export.</summary>
    public string Uri { get; private set; } = "";

    /// <summary>Each extension's latency as the monitor measured it: request sent -> the export's map refreshed.</summary>
    public IReadOnlyList<TimeSpan> Latencies => [.. _latencies];

    /// <summary>Extension requests the monitor made (0 without a monitor).</summary>
    public int Requests => _monitor?.Status().Sum(s => s.Requests) ?? 0;

    public static async Task<MeasuredThinHost> StartAsync(MailboxBenchRig rig, Guid volume, long exportSize, ExtensionPolicyOptions? policy, string socket, CancellationToken cancellationToken)
    {
        var host = new MeasuredThinHost();
        try
        {
            var identity = new VolumeIdentity(MailboxBench.DomainId, Guid.NewGuid(), volume);
            host._export = await LvExport.OpenAsync(rig.Lvm, rig.Vg, identity, exportSize, readOnly: false, LvDataPathMode.Segments, cancellationToken);
            host._nbd = NbdServer.Start(socket, NullLogger.Instance);
            host._nbd.AddExport(host._export);
            host.Uri = new NbdExportAddress(socket, host._export.Name).Uri;
            if (policy is not null)
            {
                host.StartThin(rig, policy);
            }

            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The SPM's mailbox server, the host's requester on the same mailbox, and the monitor watching the export.</summary>
    private void StartThin(MailboxBenchRig rig, ExtensionPolicyOptions policy)
    {
        var server = rig.Server(new MailboxLvHandler(rig.Lvm, rig.Vg), new MailboxOptions());
        _serving = Task.Run(() => server.RunAsync(_session.Token));
        _requester = new MailboxRequester(HostId, NullLogger.Instance) { Requested = server.Wake };
        server.Replied = _ => _requester.Client?.Wake();
        var (inbox, outbox) = rig.OpenHostMailbox();
        _requester.Connect(inbox, outbox, _session.Token);
        _monitor = new ThinVolumeMonitor(HostId, new ExtensionPolicy(policy), _requester, TimeProvider.System, NullLogger.Instance);
        _monitor.Extended += e => _latencies.Enqueue(e.Latency);
        _monitor.Add(_export!);
    }

    /// <summary>Stops in the agent's order: the monitor, the NBD server, the export, then the mailbox (requester and SPM server).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null)
        {
            await _monitor.DisposeAsync();
        }

        if (_nbd is not null)
        {
            await _nbd.DisposeAsync();
        }

        if (_export is not null)
        {
            await _export.DisposeAsync();
        }

        await _session.CancelAsync();
        if (_requester is not null)
        {
            await _requester.DisposeAsync();
        }

        if (_serving is not null)
        {
            try
            {
                await _serving;
            }
            catch (OperationCanceledException)
            {
                // How RunAsync ends.
            }
        }

        _session.Dispose();
    }
}
