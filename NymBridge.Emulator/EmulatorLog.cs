using Microsoft.Extensions.Logging;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>The emulator's log messages. Payloads, addresses and tags never appear here: only sizes and kinds.</summary>
internal static partial class EmulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "nym-client emulator listening on ws://127.0.0.1:{Port}/")]
    public static partial void Listening(ILogger logger, int port);

    [LoggerMessage(2, LogLevel.Information, "nym-client emulator stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(3, LogLevel.Information, "Shut down a new connection before its handshake: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Information, "Client connected; pushing {HeldCount} held messages")]
    public static partial void ClientConnected(ILogger logger, int heldCount);

    [LoggerMessage(5, LogLevel.Information, "Client disconnected; {HeldCount} messages held for the next one")]
    public static partial void ClientDisconnected(ILogger logger, int heldCount);

    [LoggerMessage(6, LogLevel.Information, "Dropping the connection: {Reason}")]
    public static partial void DroppingConnection(ILogger logger, string reason);

    [LoggerMessage(7, LogLevel.Debug, "The connection ended")]
    public static partial void ConnectionEnded(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Debug, "{Format} request {Tag}, {Bytes} bytes")]
    public static partial void RequestReceived(ILogger logger, string format, RequestTag tag, int bytes);

    [LoggerMessage(9, LogLevel.Debug, "{Format} request of {Bytes} bytes rejected: {Kind}")]
    public static partial void RequestRejected(ILogger logger, string format, int bytes, ErrorKind kind);
}
