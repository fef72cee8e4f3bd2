using Sanpool.Api.Binding;
using Microsoft.Extensions.Logging;

namespace Sanpool.Agent.Api;

/// <summary>
/// Every message the agent API logs, with stable event ids (7200 band). Each names the host
/// the agent serves; paths from requests are quoted through <c>VerbArgs.Printable</c>.
/// </summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 7200, Level = LogLevel.Information, Message = "agent API of host '{Host}' listening on {Socket}{Tcp}")]
    public static partial void Started(ILogger logger, string host, string socket, string tcp);

    [LoggerMessage(EventId = 7201, Level = LogLevel.Information, Message = "agent API of host '{Host}' stopped")]
    public static partial void Stopped(ILogger logger, string host);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "host '{Host}': removed the stale socket {Socket} (nothing listened on it)")]
    public static partial void StaleSocketRemoved(ILogger logger, string host, string socket);

    [LoggerMessage(EventId = 7210, Level = LogLevel.Information, Message = "host '{Host}': {Method} {Path} -> {Status}{Code} in {Milliseconds:0.0} ms")]
    public static partial void Request(ILogger logger, string host, string method, string path, int status, string code, double milliseconds);

    [LoggerMessage(EventId = 7211, Level = LogLevel.Error, Message = "host '{Host}': {Method} {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, string host, string method, string path, Exception exception);

    [LoggerMessage(EventId = 7212, Level = LogLevel.Information, Message = "host '{Host}': {Method} {Path}: the client went away after {Milliseconds:0.0} ms")]
    public static partial void Aborted(ILogger logger, string host, string method, string path, double milliseconds);

    [LoggerMessage(EventId = 7213, Level = LogLevel.Warning, Message = "host '{Host}': verb {Verb} did not answer within {Timeout}; the request failed AGENT_TIMEOUT")]
    public static partial void TimedOut(ILogger logger, string host, string verb, TimeSpan timeout);
}
