using Sanpool.Core;

namespace Sanpool.Cli.EngineApi;

/// <summary>
/// Codes of the engine's client (the CLI talking to sanpool-engine), band -1100 .. -1119: the
/// failures to talk to the engine at all. Anything the engine answers keeps the engine's own
/// code (its problem document's <c>code</c> and <c>error</c>), unchanged.
/// </summary>
public static class EngineClientErrors
{
    /// <summary>Nothing answers at the engine's address (connection refused, no such host, no socket); transient.</summary>
    public static readonly ErrorCode Unreachable = new(-1100, "ENGINE_UNREACHABLE");

    /// <summary>The engine's TLS certificate is not one this client trusts (unknown CA, wrong name, expired).</summary>
    public static readonly ErrorCode Certificate = new(-1101, "ENGINE_CERTIFICATE");

    /// <summary>The engine did not answer in time; transient.</summary>
    public static readonly ErrorCode Timeout = new(-1102, "ENGINE_TIMEOUT");

    /// <summary>The answer is not the engine's API (not JSON, an error without a problem document).</summary>
    public static readonly ErrorCode Protocol = new(-1103, "ENGINE_PROTOCOL");

    /// <summary>A job the client followed ended FAILED or ABORTED; the message is its last event's.</summary>
    public static readonly ErrorCode JobFailed = new(-1104, "ENGINE_JOB_FAILED");
}
