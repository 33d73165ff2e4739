namespace NymBridge.Api.Inbox;

public sealed partial class SqliteInboxStore
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Inbox store opened at {Path}")]
        public static partial void Opened(ILogger logger, string path);

        [LoggerMessage(2, LogLevel.Debug, "Inbox store holds {Count} events ({Bytes} bytes), last seq {LastSeq}, queue cursor {QueueCursor}")]
        public static partial void Recovered(ILogger logger, long count, long bytes, long lastSeq, long queueCursor);

        [LoggerMessage(3, LogLevel.Information, "Inbox store at {Path} closed")]
        public static partial void Closed(ILogger logger, string path);
    }
}
