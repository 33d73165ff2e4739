namespace NymBridge.Api.Webhooks;

/// <summary>
/// Where each endpoint's delivery state lives: cursor, counters, the events not yet delivered (with their
/// attempt counts and next-attempt times), those that failed, the reply claims and the attempt log.
/// SQLite (a file next to the inbox's) or memory, chosen with <c>Inbox:Store</c>.
/// </summary>
/// <remarks>
/// Invariants the dispatcher relies on: <see cref="SaveAsync"/> applies a change atomically and durably
/// before it returns (the dispatcher commits an event's admission before delivering it; its outcome may
/// commit later, since until then the event's row stays and a restart only sends it again), and <see cref="ClaimReplyAsync"/> returns true at most once per endpoint and seq
/// while the claim has not expired. Each endpoint's changes come from one writer at a time.
/// </remarks>
public interface IWebhookStateStore : IAsyncDisposable
{
    /// <summary>Opens the store for the inbox of this <paramref name="epoch"/>: state saved for another epoch (a new inbox file) is forgotten.</summary>
    Task InitializeAsync(string epoch, CancellationToken cancellationToken);

    /// <summary>The endpoint's saved state, or null when the endpoint is new.</summary>
    Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the changes, in order, in one transaction (group commit: one commit for what several deliveries
    /// changed meanwhile); the attempt log keeps the newest <see cref="MaxAttempts"/> per endpoint.
    /// </summary>
    Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken);

    /// <summary>Records that a reply is being sent for this event: true the first time, false when one already was.</summary>
    /// <param name="expiresAt">When the claim may be forgotten (the end of the reply window: no reply is sent after it anyway).</param>
    Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Logged attempts with id &gt; <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken);

    public const int MaxAttempts = 1_000;
}

/// <summary>What a store holds for one endpoint.</summary>
public sealed record WebhookSavedState(WebhookEndpointRow Endpoint, IReadOnlyList<WebhookDelivery> Deliveries, long LastAttemptId);

/// <summary>An endpoint's cursor (every seq up to it was admitted, skipped or dropped), switch and counters.</summary>
public sealed record WebhookEndpointRow(
    string Name,
    long Cursor,
    bool Enabled,
    string? DisabledReason,
    long Delivered,
    long Failed,
    long Dropped,
    long RepliesSent,
    long RepliesRefused,
    DateTimeOffset? LastSuccessAt,
    WebhookError? LastError);

/// <summary>Why the last failing attempt failed; <paramref name="Status"/> is the HTTP status when there was one.</summary>
public sealed record WebhookError(DateTimeOffset At, int? Status, string Reason);

/// <summary>An event admitted for an endpoint and not delivered yet: waiting for its next attempt, or failed for good.</summary>
public sealed record WebhookDelivery(long Seq, int Attempts, DateTimeOffset NextAttemptAt, bool Failed, WebhookError? LastError);

/// <summary>One logged attempt (never bodies).</summary>
public sealed record WebhookAttempt(
    long Id, string WebhookId, long Seq, int Attempt, DateTimeOffset At, long DurationMs, int? Status, string? Error, long ResponseBytes, string Reply);

/// <summary>One atomic change: the endpoint row, deliveries added or replaced, deliveries removed, and an attempt to log.</summary>
public sealed record WebhookStateChange(
    WebhookEndpointRow Endpoint,
    IReadOnlyList<WebhookDelivery>? Upserts = null,
    IReadOnlyList<long>? Deletes = null,
    WebhookAttempt? Attempt = null);
