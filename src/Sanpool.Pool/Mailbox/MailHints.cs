using Sanpool.Api.Client;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.DataPath;
using Sanpool.Pool.Monitor;

namespace Sanpool.Pool.Mailbox;

/// <summary>
/// Hints that cut the mailbox's polling short: after a host writes a request it tells the SPM's
/// agent "read your mail" (verb <c>mailbox.wake</c>), and after the SPM replies it tells that
/// host's agent. The mail itself only ever travels through the storage — a hint carries no
/// data, and a lost one costs only the poll period (the mailbox still polls, and keeps VDSM's
/// periodic full scan). Each hint goes to the API socket named in the target's host report,
/// fire and forget, at most one in flight per target.
/// </summary>
public sealed partial class MailHints : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly int _hostId;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, AgentClient> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, byte> _inFlight = new();
    private Func<DomainMonitor?> _monitor = () => null;

    public MailHints(int hostId, ILogger logger)
    {
        _hostId = hostId;
        _logger = logger;
    }

    /// <summary>Where host reports are read from (the connection's domain monitor).</summary>
    public void Use(Func<DomainMonitor?> monitor) => _monitor = monitor;

    /// <summary>Hints host <paramref name="hostId"/>'s agent, if its report names a local socket.</summary>
    public void Wake(int hostId)
    {
        if (hostId <= 0 || hostId == _hostId || _monitor()?.ReportOf(hostId) is not { Socket: { } socket } || !File.Exists(socket)
            || !_inFlight.TryAdd(hostId, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var client = _clients.GetOrAdd(socket, s => AgentClient.Create(s, null, Timeout));
                await client.CallAsync(AgentVerbs.MailboxWake, new MailboxWakeRequest(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Core.SanpoolException or IOException or OperationCanceledException)
            {
                LogHintLost(_logger, _hostId, hostId, e.Message);
            }
            finally
            {
                _inFlight.TryRemove(hostId, out _);
            }
        });
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }

    [LoggerMessage(EventId = 857, Level = LogLevel.Debug, Message = "host {HostId}: a mailbox hint to host {Target} was lost ({Error}); the mailbox's polling covers it")]
    private static partial void LogHintLost(ILogger logger, int hostId, int target, string error);
}
