using System.Text.Json;
using Sanpool.LeaseDaemon.Protocol;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>One verb of the protocol. Failures are thrown as SanpoolException and become error replies.</summary>
internal interface IRequestHandler
{
    string Verb { get; }

    Task<DaemonReply> HandleAsync(RequestContext context, JsonElement request, CancellationToken cancellationToken);
}
