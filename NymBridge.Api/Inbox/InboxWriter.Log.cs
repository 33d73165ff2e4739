namespace NymBridge.Api.Inbox;

public sealed partial class InboxWriter
{
    // Never payloads or sender tags; counts and sizes only at Debug.
    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "Inbox started with the {Store}", EventName = "InboxStarted")]
        public static partial void Started(ILogger logger, string store);

        [LoggerMessage(2002, LogLevel.Information, "Inbox stopped; every accepted event is stored ({Accepted} accepted since start, last seq {LastSeq})", EventName = "InboxStopped")]
        public static partial void Stopped(ILogger logger, long accepted, long lastSeq);

        [LoggerMessage(2003, LogLevel.Debug, "Inbox committed {Count} events ({Bytes} payload bytes)", EventName = "InboxCommitted")]
        public static partial void Committed(ILogger logger, int count, long bytes);

        [LoggerMessage(2004, LogLevel.Error, "Inbox could not store a batch of {Count} events; retrying in {DelayMs} ms", EventName = "InboxAppendFailed")]
        public static partial void AppendFailed(ILogger logger, int count, double delayMs, Exception exception);

        [LoggerMessage(2005, LogLevel.Error, "Inbox stopped while its store kept failing: {Count} accepted events were not stored", EventName = "InboxLost")]
        public static partial void Lost(ILogger logger, int count);

        [LoggerMessage(2006, LogLevel.Warning, "Inbox retention is evicting events no queue read has taken; see 'dropped' in /status and raise Inbox:Capacity or Inbox:MaxBytes, or read more often", EventName = "InboxDropping")]
        public static partial void Dropping(ILogger logger);
    }
}
