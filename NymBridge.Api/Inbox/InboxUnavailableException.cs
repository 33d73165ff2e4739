namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox store cannot be read or written now (cluster mode: Redis is unreachable or did not answer in time).
/// Stores wrap their engine's failures into it, so the readers (<c>Messages/</c>, <c>Realtime/</c>) know nothing of
/// the engine, and the HTTP side turns it into 503 + <c>Retry-After</c> in one place.
/// </summary>
/// <remarks>Its message never names the store's address: it is the detail clients see. The engine's exception stays the inner one, for debugging only.</remarks>
public sealed class InboxUnavailableException : Exception
{
    public const string DefaultMessage =
        "The inbox store (Redis) is unreachable or did not answer in time, so the inbox cannot be read now. Try again after Retry-After.";

    public InboxUnavailableException() : base(DefaultMessage) { }

    public InboxUnavailableException(string message) : base(message) { }

    public InboxUnavailableException(string message, Exception inner) : base(message, inner) { }

    public InboxUnavailableException(Exception inner) : base(DefaultMessage, inner) { }

    /// <summary>Seconds a caller should wait before trying again: about a reconnect of the store's connection.</summary>
    public int RetryAfterSeconds { get; init; } = 2;
}
