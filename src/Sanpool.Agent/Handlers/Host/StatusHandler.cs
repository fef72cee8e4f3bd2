using Sanpool.Agent.Api;
using Sanpool.Api.Host;

namespace Sanpool.Agent.Handlers.Host;

/// <summary><c>status</c>: answers before the host is connected too (connected: false), so a client can tell "starting" from "down".</summary>
internal sealed class StatusHandler(AgentParts parts) : IVerbHandler<StatusRequest, StatusReply>
{
    public async Task<StatusReply> HandleAsync(StatusRequest request, CancellationToken cancellationToken)
    {
        var config = parts.Config;
        if (request.Manager == true)
        {
            parts.Manager.Touch();
        }

        var connection = parts.Connection;
        var host = connection.Host;
        var reply = new StatusReply
        {
            HostId = config.HostId,
            HostName = config.HostName,
            Pool = config.Pool,
            Master = host?.Options.Master ?? config.Master,
            Connected = host is not null,
            Managed = parts.Manager.Managed,
        };
        if (connection.Spm is { } spm && host is not null)
        {
            reply = reply with
            {
                Spm = Replies.Spm(await spm.StatusAsync(cancellationToken).ConfigureAwait(false)),
                LeaseValid = host.Lockspace.IsValid,
            };
        }

        if (connection.Monitor is { HasChecked: true } monitor)
        {
            reply = reply with
            {
                SeesAll = monitor.SeesAll,
                Domains = [.. monitor.Statuses.Values.OrderBy(d => d.Domain).Select(Replies.Domain)],
                Hosts = [.. monitor.Others.Select(Replies.Host)],
            };
        }

        return reply;
    }
}
