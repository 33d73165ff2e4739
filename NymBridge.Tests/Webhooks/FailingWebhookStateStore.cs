using Microsoft.Data.Sqlite;
using NymBridge.Api.Webhooks;

namespace NymBridge.Tests.Webhooks;

/// <summary>
/// A webhook state store whose saves fail, as SQLite's do on a full disk, while <see cref="Failing"/> is set; and
/// whose saves of attempt outcomes can be held, as a slow disk holds them, while <see cref="HoldOutcomes"/> is set.
/// </summary>
internal sealed class FailingWebhookStateStore(IWebhookStateStore inner) : IWebhookStateStore
{
    public volatile bool Failing;

    /// <summary>Outcome saves wait for this task (after the <see cref="Failing"/> check, so a held save succeeds).</summary>
    public Task? HoldOutcomes { get; set; }

    /// <summary>Set once an outcome save is held.</summary>
    public TaskCompletionSource OutcomeHeld { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task InitializeAsync(string epoch, CancellationToken cancellationToken) => inner.InitializeAsync(epoch, cancellationToken);
    public Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken) => inner.LoadAsync(endpoint, cancellationToken);

    public async Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            throw new SqliteException("database or disk is full", 13);
        }

        if (HoldOutcomes is { } hold && changes.Any(c => c.Attempt is not null))
        {
            OutcomeHeld.TrySetResult();
            await hold;
        }

        await inner.SaveAsync(changes, cancellationToken);
    }

    public Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ClaimReplyAsync(endpoint, seq, expiresAt, now, cancellationToken);

    public Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken) =>
        inner.ReadAttemptsAsync(endpoint, afterId, max, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
