using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Agent.Handlers.Spm;
using Sanpool.Api;
using Sanpool.Api.DataPath;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent.Handlers.DataPath;

/// <summary>
/// <c>domain.extend</c> (SPM, or forwarded to it): the LUN is added, then every extension that
/// failed for space is handled again, and this host's own paused VMs ask at once.
/// </summary>
internal sealed class DomainExtendHandler(AgentParts parts, SpmForwarder forwarder) : IVerbHandler<DomainExtendRequest, DomainExtendReply>
{
    public async Task<DomainExtendReply> HandleAsync(DomainExtendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dataPath = parts.DataPath;
        if (forwarder.ShouldForward(request))
        {
            return await forwarder.ForwardAsync(AgentVerbs.DomainExtend, request, cancellationToken).ConfigureAwait(false);
        }

        var info = await DomainGrowth.ExtendAsync(parts.Connection.Role, request.Domain, request.Device, cancellationToken).ConfigureAwait(false);
        var waiting = dataPath.SpmMail?.Extender.Waiting.Count ?? 0;
        parts.Events.Publish("domain.extended", new Dictionary<string, JsonNode?>
        {
            ["domain"] = request.Domain.ToString(),
            ["device"] = request.Device,
            ["waiting_volumes"] = waiting,
        });
        if (dataPath.SpmMail is { } mail)
        {
            await mail.RetryFailedAsync(cancellationToken).ConfigureAwait(false);
        }

        parts.Vms.RetryAll();
        return new DomainExtendReply(info.Uuid, request.Device, waiting);
    }
}
