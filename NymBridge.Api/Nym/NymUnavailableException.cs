namespace NymBridge.Api.Nym;

/// <summary>
/// nym-client cannot take the request now (not connected, connection lost, queue full, no answer).
/// The request was not written, or its answer will not come; the HTTP side turns this into 503 + Retry-After.
/// </summary>
public sealed class NymUnavailableException : Exception
{
    public NymUnavailableException(string message) : base(message) { }
    public NymUnavailableException(string message, Exception inner) : base(message, inner) { }
    public NymUnavailableException() : base("nym-client is not available.") { }

    /// <summary>Seconds a caller should wait before trying again.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>
    /// The request left this instance but its answer did not come back (a follower's forward to the leader): it may have
    /// been sent. An Idempotency-Key under which this happened stays pending, so a retry is answered, not sent again.
    /// </summary>
    public bool MaybeSent { get; init; }

    /// <summary>The bridge itself is stopping (SIGTERM, Ctrl+C): nothing was sent; send again once it is back.</summary>
    public bool ShuttingDown { get; init; }

    /// <summary>Seconds suggested to a caller refused during a shutdown: about the time a service manager takes to restart the bridge.</summary>
    public const int ShutdownRetryAfterSeconds = 5;

    /// <summary>The refusal of a send that arrives once the bridge has begun to stop.</summary>
    public static NymUnavailableException ForShutdown() =>
        new("The bridge is shutting down, so this was not sent. Send it again once the bridge is back (Retry-After), or to another instance.")
        {
            ShuttingDown = true,
            RetryAfterSeconds = ShutdownRetryAfterSeconds,
        };
}
