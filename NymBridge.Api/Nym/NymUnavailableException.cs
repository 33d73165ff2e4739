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
}
