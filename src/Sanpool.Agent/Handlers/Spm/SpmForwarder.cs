using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sanpool.Api;
using Sanpool.Api.Client;
using Sanpool.Api.Images;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent.Handlers.Spm;

/// <summary>
/// Sends a verb only the SPM runs on to the pool's SPM, when the request asks for it
/// (<c>forward: true</c>) and this host is not SPM. The SPM is found from the pool keys and
/// reached at the API its host report names. The forwarded request carries no <c>forward</c>,
/// so it cannot bounce: if that host is no longer SPM, it refuses with NOT_SPM and the client
/// retries. The reply says which host it went to (<c>forwarded_to</c>).
/// </summary>
internal sealed partial class SpmForwarder(PoolConnection connection, ILogger logger)
{
    private const string ForwardArgument = "forward";
    private const string ForwardedToField = "forwarded_to";

    /// <summary>Whether <paramref name="request"/> is to go to the SPM rather than run here.</summary>
    public bool ShouldForward(IForwardableRequest request) => request.Forward == true && connection.Role.State != SpmState.Spm;

    public async Task<TReply> ForwardAsync<TRequest, TReply>(AgentVerb<TRequest, TReply> verb, TRequest request, CancellationToken cancellationToken)
        where TRequest : notnull
    {
        var config = connection.Config;
        var pool = await connection.Connected.ReadPoolAsync(cancellationToken).ConfigureAwait(false);
        if (pool.SpmId <= 0 || pool.SpmId == config.HostId)
        {
            throw new SanpoolException(PoolErrors.NotSpm, $"host {config.HostId} cannot forward {verb}: pool {config.Pool} has no SPM now", isTransient: true);
        }

        var report = connection.Monitor?.ReportOf(pool.SpmId);
        string target = report switch
        {
            { Socket: { } socket } when File.Exists(socket) => socket,
            { Tcp: { } tcp } => $"http://{tcp}",
            _ => throw new SanpoolException(PoolErrors.NotSpm,
                $"host {config.HostId} cannot forward {verb}: the SPM is host {pool.SpmId}, and its report in the master domain does not say where its API listens", isTransient: true),
        };
        LogForwarding(logger, config.Pool, verb.Name, config.HostId, pool.SpmId, target);
        using var client = AgentClient.Create(target, report.Socket == target ? null : config.Token);
        var args = ApiJson.Arguments(request);
        args.Remove(ForwardArgument);
        var reply = await client.InvokeAsync(verb.Name, args, cancellationToken).ConfigureAwait(false);
        if (reply is JsonObject o)
        {
            o[ForwardedToField] = pool.SpmId;
        }

        return reply.Deserialize<TReply>(ApiJson.Options)
            ?? throw new SanpoolException(AgentErrors.Protocol, $"the SPM at {target} answered {verb} with JSON null");
    }

    [LoggerMessage(EventId = 742, Level = LogLevel.Information, Message = "pool {Pool}: {Verb} forwarded from host {HostId} to the SPM, host {SpmId}, at {Target}")]
    private static partial void LogForwarding(ILogger logger, Guid pool, string verb, int hostId, int spmId, string target);
}
