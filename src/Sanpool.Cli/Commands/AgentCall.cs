using Sanpool.Api.Client;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Core;

namespace Sanpool.Cli.Commands;

/// <summary>
/// One verb sent to an agent, with the failures a user can act on told as such: no socket (is
/// the agent running?), a refused token (where the token comes from). Every other error is the
/// agent's own, code and message unchanged (NOT_SPM names the SPM).
/// </summary>
internal static class AgentCall
{
    public static readonly IReadOnlyDictionary<string, string> NoArgs = new Dictionary<string, string>();

    public static async Task<JsonNode> InvokeAsync(AgentClient client, string verb, IReadOnlyDictionary<string, string> args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            return await client.InvokeAsync(verb, args, ct).ConfigureAwait(false);
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
