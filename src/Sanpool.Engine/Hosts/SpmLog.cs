using Microsoft.Extensions.Logging;

namespace Sanpool.Engine.Hosts;

/// <summary>What the engine's SPM management logs, with stable event ids (10620 band).</summary>
internal static partial class SpmLog
{
    [LoggerMessage(EventId = 10620, Level = LogLevel.Information, Message = "data center {Pool}: starting the SPM on host {Host} ({Why}); {Previous}")]
    public static partial void Starting(ILogger logger, string pool, string host, string why, string previous);

    [LoggerMessage(EventId = 10621, Level = LogLevel.Information, Message = "data center {Pool}: host {Host} is SPM, SDM lease version {Lver} ({Why})")]
    public static partial void Started(ILogger logger, string pool, string host, long lver, string why);

    [LoggerMessage(EventId = 10622, Level = LogLevel.Warning, Message = "data center {Pool}: host {Host} did not become SPM ({Lease}, {Previous}): {Error}")]
    public static partial void StartFailed(ILogger logger, string pool, string host, string lease, string previous, string error);

    [LoggerMessage(EventId = 10623, Level = LogLevel.Warning, Message = "data center {Pool}: host {Host} stopped being SPM: {Why}")]
    public static partial void Stopped(ILogger logger, string pool, string host, string why);

    [LoggerMessage(EventId = 10624, Level = LogLevel.Warning, Message = "data center {Pool}: host {Host} did not give the SPM role up ({Why}): {Error}")]
    public static partial void StopFailed(ILogger logger, string pool, string host, string why, string error);

    [LoggerMessage(EventId = 10625, Level = LogLevel.Warning, Message = "data center {Pool} has no SPM and none of its {Hosts} polled host(s) can be one (Up, SPM priority 0 or more)")]
    public static partial void NoCandidate(ILogger logger, string pool, int hosts);

    [LoggerMessage(EventId = 10626, Level = LogLevel.Error, Message = "SPM change ({What}) failed; the next poll round looks again")]
    public static partial void ChangeFailed(ILogger logger, string what, Exception exception);
}
