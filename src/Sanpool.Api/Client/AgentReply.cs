using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Core;

namespace Sanpool.Api.Client;

/// <summary>
/// What <see cref="AgentClient"/> makes of an answer: a 200's JSON, or the
/// <see cref="SanpoolException"/> a problem document describes (the agent writes them in its AgentProblems).
/// </summary>
internal static class AgentReply
{
    public static JsonNode Result(byte[] body, string target, string verb)
    {
        try
        {
            return JsonNode.Parse(body) ?? throw Protocol(target, verb, "the answer is JSON null");
        }
        catch (JsonException e)
        {
            throw Protocol(target, verb, $"the answer is not JSON: {e.Message}");
        }
    }

    /// <summary>A 200's JSON read as the verb's reply record.</summary>
    public static TReply As<TReply>(JsonNode answer, string target, string verb)
    {
        try
        {
            return answer.Deserialize<TReply>(ApiJson.Options) ?? throw Protocol(target, verb, "the answer is JSON null");
        }
        catch (JsonException e)
        {
            throw Protocol(target, verb, $"the answer is not a {typeof(TReply).Name}: {e.Message}");
        }
    }

    /// <summary>The exception the problem document in <paramref name="body"/> describes.</summary>
    public static SanpoolException Error(int status, byte[] body, string target, string verb)
    {
        if (TryReadProblem(body) is { } problem)
        {
            return problem;
        }

        return status == 401
            ? new SanpoolException(AgentErrors.Unauthorized, $"the agent at {target} refused the request (HTTP 401)")
            : Protocol(target, verb, $"HTTP {status} without a problem document");
    }

    /// <summary>An HTTP failure: no connection at all is AGENT_UNREACHABLE; a connection that broke mid-way is AGENT_PROTOCOL.</summary>
    public static SanpoolException Failed(HttpRequestException e, string target, string verb) =>
        e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            ? new SanpoolException(AgentErrors.Unreachable, $"cannot reach the agent at {target}: {e.InnerException?.Message ?? e.Message}", true, e)
            : new SanpoolException(AgentErrors.Protocol, $"the connection to the agent at {target} broke during {verb}: {e.Message}", innerException: e);

    private static SanpoolException? TryReadProblem(byte[] body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject problem
                || problem["code"] is not JsonValue code || !code.TryGetValue(out int value)
                || problem["name"] is not JsonValue name || !name.TryGetValue(out string? text) || string.IsNullOrEmpty(text))
            {
                return null;
            }

            string detail = problem["detail"] is JsonValue d && d.TryGetValue(out string? message) ? message : text;
            bool transient = problem["transient"] is JsonValue t && t.TryGetValue(out bool flag) && flag;
            return new SanpoolException(new ErrorCode(value, text), detail, transient);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SanpoolException Protocol(string target, string verb, string what) =>
        new(AgentErrors.Protocol, $"the agent at {target} gave an answer to {verb} that the API does not define: {what}");
}
