namespace NymBridge.Api.Nym;

/// <summary>A snapshot of the nym-client connection, as <c>/status</c> shows it.</summary>
public sealed record NymConnectionStatus(
    Uri ClientUrl,
    bool Connected,
    DateTimeOffset? Since,
    long Reconnects,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    string? SelfAddress,
    long FramesSent,
    long FramesReceived,
    long BadFrames,
    int OutboundQueued);
