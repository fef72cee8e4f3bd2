using Sanpool.Api.Client;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Api;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// One verb sent to an agent, with the failures a user can act on told as such: no socket (is
/// the agent running?), a refused token (where the token comes from). Every other error is the
/// agent's own, code and message unchanged (NOT_SPM names the SPM).
/// </summary>
internal static class AgentCall
{
    /// <summary>A verb of the contract, its request record sent and its reply record read.</summary>
    public static Task<TReply> CallAsync<TRequest, TReply>(AgentClient client, AgentVerb<TRequest, TReply> verb, TRequest request, CancellationToken ct)
        where TRequest : notnull
    {
        ArgumentNullException.ThrowIfNull(client);
        return ExplainAsync(client, () => client.CallAsync(verb, request, ct));
    }

    /// <summary>Any verb by name with string arguments (<c>sanpool agent call</c>), its JSON answer as it came.</summary>
    public static Task<JsonNode> InvokeAsync(AgentClient client, string verb, IReadOnlyDictionary<string, string> args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        return ExplainAsync(client, () => client.InvokeAsync(verb, args, ct));
    }

    private static async Task<T> ExplainAsync<T>(AgentClient client, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == AgentErrors.Unreachable && !IsUrl(client.Target))
        {
            string why = Path.Exists(client.Target)
                ? $"nothing answers on the agent socket {client.Target} (a socket left by an agent that stopped?)"
                : $"no agent socket at {client.Target}";
            throw new SanpoolException(e.Code, $"{why}: is the agent running? Start it with 'sanpool agent run --config FILE' (the socket is the config's \"socket\")", e.IsTransient, e);
        }
        catch (SanpoolException e) when (e.Code == AgentErrors.Unreachable)
        {
            throw new SanpoolException(e.Code, $"{e.Message}: is the agent running, with \"tcp\" in its config?", e.IsTransient, e);
        }
        catch (SanpoolException e) when (e.Code == AgentErrors.Unauthorized)
        {
            throw new SanpoolException(e.Code, $"the agent at {client.Target} refused the request: {e.Message}; give the agent config's \"token\" with --token or ${AgentOptions.TokenVariable}", e.IsTransient, e);
        }
    }

    private static bool IsUrl(string target) => target.Contains("://", StringComparison.Ordinal);
}
