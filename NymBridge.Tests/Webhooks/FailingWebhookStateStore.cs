using Microsoft.Data.Sqlite;
using NymBridge.Api.Webhooks;

namespace NymBridge.Tests.Webhooks;

/// <summary>A webhook state store whose saves fail, as SQLite's do on a full disk, while <see cref="Failing"/> is set.</summary>
internal sealed class FailingWebhookStateStore(IWebhookStateStore inner) : IWebhookStateStore
{
    public volatile bool Failing;

    public Task InitializeAsync(string epoch, CancellationToken cancellationToken) => inner.InitializeAsync(epoch, cancellationToken);
    public Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken) => inner.LoadAsync(endpoint, cancellationToken);

    public Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken) =>
        Failing ? throw new SqliteException("database or disk is full", 13) : inner.SaveAsync(changes, cancellationToken);

    public Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ClaimReplyAsync(endpoint, seq, expiresAt, now, cancellationToken);

    public Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken) =>
        inner.ReadAttemptsAsync(endpoint, afterId, max, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
