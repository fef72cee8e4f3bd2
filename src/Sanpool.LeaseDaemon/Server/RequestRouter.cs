using System.Text.Json;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Handlers;
using Sanpool.LeaseDaemon.Protocol;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>Turns a request line into the reply line's message: finds the verb's handler, and every failure into an error reply.</summary>
internal sealed class RequestRouter
{
    private readonly Dictionary<string, IRequestHandler> _handlers;

    public RequestRouter(IEnumerable<IRequestHandler> handlers)
    {
        _handlers = handlers.ToDictionary(h => h.Verb, StringComparer.Ordinal);
    }

    public static RequestRouter CreateDefault() => new(
    [
        new RegisterHandler(),
        new HeartbeatHandler(),
        new AddLockspaceHandler(),
        new RemLockspaceHandler(),
        new AcquireHandler(),
        new ReleaseHandler(),
        new InquireHandler(),
        new StatusHandler(),
        new HostStatusHandler(),
    ]);

    public async Task<DaemonReply> DispatchAsync(RequestContext context, string line, CancellationToken cancellationToken)
    {
        string verb = "?";
        try
        {
            using var doc = WireFormat.ParseObject(line, LeaseDaemonErrors.BadRequest);
            if (!doc.RootElement.TryGetProperty("verb", out var v) || v.ValueKind != JsonValueKind.String)
            {
                throw new SanpoolException(LeaseDaemonErrors.BadRequest, "the request has no \"verb\" string");
            }

            verb = v.GetString()!;
            if (!_handlers.TryGetValue(verb, out var handler))
            {
                throw new SanpoolException(LeaseDaemonErrors.UnknownVerb,
                    $"unknown verb '{verb}' (known: {string.Join(", ", _handlers.Keys.Order(StringComparer.Ordinal))})");
            }

            return await handler.HandleAsync(context, doc.RootElement, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            DaemonLog.Refused(context.Services.Logger, context.Connection.Peer.Pid, e.OneLine);
            return ErrorReply.From(e);
        }
        catch (OperationCanceledException) when (context.Services.Stopping.IsCancellationRequested)
        {
            return ErrorReply.From(new SanpoolException(LeaseDaemonErrors.ShuttingDown, "the lease daemon is shutting down"));
        }
#pragma warning disable CA1031 // One bad request must not take the daemon down; the client gets INTERNAL and the log the stack.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            DaemonLog.RequestCrashed(context.Services.Logger, verb, context.Connection.Peer.Pid, e);
            return ErrorReply.From(new SanpoolException(LeaseDaemonErrors.Internal, $"{verb}: {e.GetType().Name}: {e.Message}"));
        }
    }
}
