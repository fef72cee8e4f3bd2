using Microsoft.Extensions.Logging;
using Sanpool.BlockIO;
using Sanpool.Pool.Spm;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// The SPM's mailbox service (VDSM's SPM_MailMonitor): while this host is SPM, it reads the
/// master domain's inbox and answers extension requests with <see cref="VolumeExtender"/>.
/// It starts with each SPM term and stops with it (<see cref="SpmRole.Started"/>). A request
/// that found no space is raised by the extender (<see cref="VolumeExtender.NoSpace"/>; the
/// agent tells the manager), and is extended when the domain gets a LUN (<see cref="RetryFailedAsync"/>).
/// </summary>
public sealed partial class SpmMailService : IMailHandler
{
    private readonly SpmRole _role;
    private readonly MailHints _hints;
    private readonly ILogger _logger;
    private volatile MailboxServer? _server;

    public SpmMailService(SpmRole role, MailHints hints, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(role);
        _role = role;
        _hints = hints;
        _logger = logger;
        Extender = new VolumeExtender(role, logger);
        role.Started += term => _ = RunAsync(term);
    }

    public VolumeExtender Extender { get; }

    /// <summary>The server of the current term; null while this host is not SPM.</summary>
    public MailboxServer? Server => _server;

    public Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Extender.ExtendAsync(hostId, request.Domain, request.Volume, request.NewSizeMiB, cancellationToken);
    }

    /// <summary>Hands every request that failed back to the extender (after a LUN was added); no-op when not SPM.</summary>
    public async Task RetryFailedAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.RetryFailedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serves the mailbox for the whole term; if its storage fails, opens it again every 2 s (the hosts' requests wait in the inbox meanwhile).</summary>
    private async Task RunAsync(CancellationToken term)
    {
        Extender.Reset();
        var master = _role.Host.Master;
        while (!term.IsCancellationRequested)
        {
            try
            {
                await using var inbox = await master.OpenMailboxAsync(MailboxArea.Inbox, term).ConfigureAwait(false);
                await using var outbox = await master.OpenMailboxAsync(MailboxArea.Outbox, term).ConfigureAwait(false);
                // A deposed SPM must not answer: every reply write asks the lease first.
                var fenced = new FencedBlockDevice(outbox, _role.CheckLease);
                var server = new MailboxServer(inbox, fenced, this, new MailboxOptions(), TimeProvider.System, _logger)
                {
                    Replied = _hints.Wake,
                };
                _server = server;
                await server.RunAsync(term).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (term.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is Core.SanpoolException or IOException)
            {
                LogServerFailed(_logger, _role.Host.Options.HostId, master.Info.Uuid, e.Message);
                _server = null;
                await Task.Delay(TimeSpan.FromSeconds(2), term).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            finally
            {
                _server = null;
            }
        }
    }

    [LoggerMessage(EventId = 858, Level = LogLevel.Error, Message = "SPM host {HostId}: the mailbox of master {Master} failed: {Error}; opening it again in 2 s (hosts' requests wait in the inbox)")]
    private static partial void LogServerFailed(ILogger logger, int hostId, Guid master, string error);
}
