using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Protocol;
using Sanpool.LeaseDaemon.Server;
using Sanpool.Leases;

namespace Sanpool.LeaseDaemon.Handlers;

/// <summary>rem_lockspace: leave (refused while resources are held in it, unless forced).</summary>
internal sealed class RemLockspaceHandler : IRequestHandler
{
    public string Verb => Verbs.RemLockspace;

    public async Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken)
    {
        var req = WireFormat.Decode(request, ProtocolJsonContext.Default.RemLockspaceRequest, LeaseDaemonErrors.BadRequest);
        var text = req.Lockspace ?? throw CommonErrors.Invalid("rem_lockspace needs \"lockspace\": LS:HOST_ID:PATH:OFFSET");
        // Only the name identifies the lockspace; a bare name is accepted too.
        string name = text.Contains(':', StringComparison.Ordinal) ? LeaseSpec.ParseLockspace(text).Lockspace : text;
        await context.Services.Lockspaces.LeaveAsync(name, req.Force, cancellationToken).ConfigureAwait(false);
        return new OkReply { Message = $"left {name}" };
    }
}
