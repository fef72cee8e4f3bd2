using Sanpool.Core;

namespace Sanpool.Api.Client;

/// <summary>
/// The agent API's own codes, band -720 .. -739: what the transport itself refuses or fails at,
/// before or around a verb. A verb's own errors keep their codes (INVALID_ARGUMENT, NOT_SPM,
/// IMAGE_NOT_FOUND, ...) through the API; the client rebuilds the same <see cref="ErrorCode"/>.
/// </summary>
public static class AgentErrors
{
    /// <summary>The client could not connect: no agent listens at the socket or address (transient).</summary>
    public static readonly ErrorCode Unreachable = new(-720, "AGENT_UNREACHABLE");

    /// <summary>A TCP request without the right bearer token. HTTP 401.</summary>
    public static readonly ErrorCode Unauthorized = new(-721, "UNAUTHORIZED");

    /// <summary>The request is not a JSON object of string, number or boolean values, or breaks a limit. HTTP 400.</summary>
    public static readonly ErrorCode BadRequest = new(-722, "BAD_REQUEST");

    /// <summary>No verb of that name. HTTP 404.</summary>
    public static readonly ErrorCode UnknownVerb = new(-723, "UNKNOWN_VERB");

    /// <summary>The body is larger than the agent takes. HTTP 413.</summary>
    public static readonly ErrorCode RequestTooLarge = new(-724, "REQUEST_TOO_LARGE");

    /// <summary>GET of a verb that changes something, or a method other than GET and POST. HTTP 405.</summary>
    public static readonly ErrorCode MethodNotAllowed = new(-725, "METHOD_NOT_ALLOWED");

    /// <summary>A body that says it is not JSON. HTTP 415.</summary>
    public static readonly ErrorCode UnsupportedMediaType = new(-726, "UNSUPPORTED_MEDIA_TYPE");

    /// <summary>The verb did not answer within the request timeout (server) or the client gave up waiting (transient). HTTP 503.</summary>
    public static readonly ErrorCode Timeout = new(-727, "AGENT_TIMEOUT");

    /// <summary>The agent's answer is not what the API promises (not JSON, not a problem document).</summary>
    public static readonly ErrorCode Protocol = new(-728, "AGENT_PROTOCOL");

    /// <summary>An unexpected failure inside the agent; its log has the details. HTTP 500.</summary>
    public static readonly ErrorCode Internal = new(-729, "AGENT_INTERNAL");

    /// <summary>Another agent already listens on the API socket.</summary>
    public static readonly ErrorCode AlreadyRunning = new(-730, "AGENT_RUNNING");

    /// <summary>The API cannot listen: the socket path is not a socket, its directory is missing, the port is taken.</summary>
    public static readonly ErrorCode ListenFailed = new(-731, "AGENT_LISTEN_FAILED");
}
