namespace NymBridge.Api.Inbox;

public sealed partial class SqliteInboxStore
{
    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Inbox store opened at {Path}", EventName = "InboxStoreOpened")]
        public static partial void Opened(ILogger logger, string path);

        [LoggerMessage(3002, LogLevel.Debug, "Inbox store holds {Count} events ({Bytes} bytes), last seq {LastSeq}, queue cursor {QueueCursor}", EventName = "InboxStoreRecovered")]
        public static partial void Recovered(ILogger logger, long count, long bytes, long lastSeq, long queueCursor);

        [LoggerMessage(3003, LogLevel.Information, "Inbox store at {Path} closed", EventName = "InboxStoreClosed")]
        public static partial void Closed(ILogger logger, string path);
    }
}
