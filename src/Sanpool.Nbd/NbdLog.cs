using Microsoft.Extensions.Logging;

namespace Sanpool.Nbd;

/// <summary>The NBD server's log messages, event ids 8200 .. 8239.</summary>
internal static partial class NbdLog
{
    [LoggerMessage(EventId = 8200, Level = LogLevel.Information, Message = "NBD server listening on {Socket}")]
    public static partial void Listening(ILogger logger, string socket);

    [LoggerMessage(EventId = 8201, Level = LogLevel.Information, Message = "NBD export {Export} added on {Socket} ({Size} bytes, {Mode}, block {Block})")]
    public static partial void ExportAdded(ILogger logger, string export, string socket, long size, string mode, int block);

    [LoggerMessage(EventId = 8202, Level = LogLevel.Information, Message = "NBD export {Export} removed from {Socket}; {Connections} connection(s) closed")]
    public static partial void ExportRemoved(ILogger logger, string export, string socket, int connections);

    [LoggerMessage(EventId = 8203, Level = LogLevel.Debug, Message = "NBD client {Connection} opened export {Export}")]
    public static partial void ClientOpened(ILogger logger, long connection, string export);

    [LoggerMessage(EventId = 8204, Level = LogLevel.Debug, Message = "NBD client {Connection} closed ({Reason})")]
    public static partial void ClientClosed(ILogger logger, long connection, string reason);

    [LoggerMessage(EventId = 8205, Level = LogLevel.Warning,
        Message = "NBD client {Connection} of export {Export} broke the protocol and was disconnected: {Reason} ({Suppressed} similar suppressed)")]
    public static partial void ProtocolViolation(ILogger logger, long connection, string export, string reason, int suppressed);

    [LoggerMessage(EventId = 8206, Level = LogLevel.Error,
        Message = "NBD export {Export}: {Command} of {Length} bytes at {Offset} failed, answered EIO ({Suppressed} similar suppressed)")]
    public static partial void ExportFailed(ILogger logger, Exception error, string export, string command, uint length, ulong offset, int suppressed);

    [LoggerMessage(EventId = 8207, Level = LogLevel.Warning, Message = "NBD client {Connection} dropped during the handshake: {Reason} ({Suppressed} similar suppressed)")]
    public static partial void HandshakeFailed(ILogger logger, long connection, string reason, int suppressed);

    [LoggerMessage(EventId = 8208, Level = LogLevel.Warning, Message = "NBD accept on {Socket} failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string socket, string error);

    [LoggerMessage(EventId = 8209, Level = LogLevel.Error, Message = "NBD client {Connection} failed unexpectedly and was disconnected")]
    public static partial void ClientFailed(ILogger logger, Exception error, long connection);
}
