using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// <c>Idempotency-Key</c> on sends: a retried POST must not send a message twice through the mixnet.
/// A key remembers its request's fingerprint and result for <see cref="Lifetime"/>; at most
/// <see cref="Capacity"/> keys are kept (oldest forgotten first). Concurrent requests with the same
/// key share the first one's outcome. Only successes are remembered: a send that failed sent
/// nothing, so retrying it with the same key must try again. It never answers
/// <see cref="IdempotencyOutcome.OutcomeUnknown"/>: a retry during the send joins it.
/// </summary>
public sealed class IdempotencyStore(TimeProvider time) : IIdempotencyStore
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public const int Capacity = 10_000;
    public const int MaxKeyLength = 255;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry)> _order = new();

    public async Task<IdempotencyOutcome> RunAsync(string key, ClientRequest request, Func<Task<SendResult>> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var fingerprint = RequestFingerprint.Compute(request);
        Entry entry;
        bool mine;
        lock (_lock)
        {
            Expire();
            if (_entries.TryGetValue(key, out var existing))
            {
                if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    return IdempotencyOutcome.KeyConflict;
                }

                entry = existing;
                mine = false;
            }
            else
            {
                entry = new Entry(fingerprint, time.GetUtcNow() + Lifetime, new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously));
                _entries[key] = entry;
                _order.Enqueue((key, entry));
                mine = true;
            }
        }

        if (!mine)
        {
            return IdempotencyOutcome.Replay(await entry.Result.Task);
        }

        try
        {
            var result = await send();
            entry.Result.TrySetResult(result);
            return IdempotencyOutcome.Sent(result);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                if (_entries.TryGetValue(key, out var current) && current == entry)
                {
                    _entries.Remove(key);
                }
            }

            entry.Result.TrySetException(e);
            throw;
        }
    }

    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    private void Expire()
    {
        var now = time.GetUtcNow();
        while (_order.TryPeek(out var oldest) && (oldest.Entry.ExpiresAt <= now || _entries.Count > Capacity || !_entries.ContainsKey(oldest.Key)))
        {
            _order.Dequeue();
            if (_entries.TryGetValue(oldest.Key, out var current) && current == oldest.Entry)
            {
                _entries.Remove(oldest.Key);
            }
        }
    }

    private sealed record Entry(byte[] Fingerprint, DateTimeOffset ExpiresAt, TaskCompletionSource<SendResult> Result);
}
