using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Web;

/// <summary>What the engine's web layer logs, with stable event ids (10550 band).</summary>
internal static partial class WebLog
{
    [LoggerMessage(EventId = 10550, Level = LogLevel.Information, Message = "{Method} {Path} -> {Status}{Code} in {Milliseconds:0.0} ms [{CorrelationId}]")]
    public static partial void Request(ILogger logger, string method, string path, int status, string code, double milliseconds, string correlationId);

    [LoggerMessage(EventId = 10551, Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly (trace id {TraceId}) [{CorrelationId}]")]
    public static partial void Unexpected(ILogger logger, string method, string path, string traceId, string correlationId, Exception exception);

    [LoggerMessage(EventId = 10552, Level = LogLevel.Information, Message = "{Method} {Path}: the client went away after {Milliseconds:0.0} ms [{CorrelationId}]")]
    public static partial void Aborted(ILogger logger, string method, string path, double milliseconds, string correlationId);
}
