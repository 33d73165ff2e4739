using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

public sealed partial class NymConnection
{
    // Sizes and kinds only: payloads, addresses and sender tags never reach the log.
    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "Connected to nym-client at {Url}", EventName = "NymConnected")]
        public static partial void Connected(ILogger logger, Uri url);

        [LoggerMessage(1002, LogLevel.Warning, "Lost the connection to nym-client: {Reason}", EventName = "NymDisconnected")]
        public static partial void Disconnected(ILogger logger, string reason);

        [LoggerMessage(1003, LogLevel.Warning, "Could not connect to nym-client: {Reason}", EventName = "NymConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, string reason);

        [LoggerMessage(1004, LogLevel.Warning, "Ignored a frame from nym-client that does not decode ({Kind}, {Bytes} bytes)", EventName = "NymBadFrame")]
        public static partial void BadFrame(ILogger logger, ErrorKind kind, int bytes);

        [LoggerMessage(1005, LogLevel.Warning, "Skipped a message from nym-client over the {Limit}-byte limit", EventName = "NymOversizedMessage")]
        public static partial void OversizedMessage(ILogger logger, int limit);

        [LoggerMessage(1006, LogLevel.Debug, "A LaneQueueLength answer arrived after its caller gave up", EventName = "NymUnclaimedLaneAnswer")]
        public static partial void UnclaimedLaneAnswer(ILogger logger);

        [LoggerMessage(1007, LogLevel.Debug, "Inbound {Tag}, {Bytes} bytes", EventName = "NymInbound")]
        public static partial void Inbound(ILogger logger, ResponseTag tag, int bytes);

        [LoggerMessage(1008, LogLevel.Information, "Closed the connection to nym-client for the shutdown after writing every queued frame", EventName = "NymClosedForShutdown")]
        public static partial void ClosedForShutdown(ILogger logger);

        [LoggerMessage(1009, LogLevel.Warning, "Gave up the connection to nym-client after writing every queued frame: this instance no longer leads the cluster", EventName = "NymGaveUpConnection")]
        public static partial void GaveUpConnection(ILogger logger);
    }
}
