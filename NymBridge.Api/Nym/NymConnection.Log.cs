using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

public sealed partial class NymConnection
{
    // Sizes and kinds only: payloads, addresses and sender tags never reach the log.
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connected to nym-client at {Url}")]
        public static partial void Connected(ILogger logger, Uri url);

        [LoggerMessage(2, LogLevel.Warning, "Lost the connection to nym-client: {Reason}")]
        public static partial void Disconnected(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Could not connect to nym-client: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Ignored a frame from nym-client that does not decode ({Kind}, {Bytes} bytes)")]
        public static partial void BadFrame(ILogger logger, ErrorKind kind, int bytes);

        [LoggerMessage(5, LogLevel.Warning, "Skipped a message from nym-client over the {Limit}-byte limit")]
        public static partial void OversizedMessage(ILogger logger, int limit);

        [LoggerMessage(6, LogLevel.Debug, "A LaneQueueLength answer arrived after its caller gave up")]
        public static partial void UnclaimedLaneAnswer(ILogger logger);

        [LoggerMessage(7, LogLevel.Debug, "Inbound {Tag}, {Bytes} bytes")]
        public static partial void Inbound(ILogger logger, ResponseTag tag, int bytes);

        [LoggerMessage(8, LogLevel.Information, "Closed the connection to nym-client for the shutdown after writing every queued frame")]
        public static partial void ClosedForShutdown(ILogger logger);
    }
}
