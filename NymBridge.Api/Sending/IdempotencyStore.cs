using System.Security.Cryptography;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// <c>Idempotency-Key</c> on sends: a retried POST must not send a message twice through the mixnet.
/// A key remembers its request's fingerprint and result for <see cref="Lifetime"/>; at most
/// <see cref="Capacity"/> keys are kept (oldest forgotten first). Concurrent requests with the same
/// key share the first one's outcome. Only successes are remembered: a send that failed sent
/// nothing, so retrying it with the same key must try again.
/// </summary>
public sealed class IdempotencyStore(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public const int Capacity = 10_000;
    public const int MaxKeyLength = 255;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry)> _order = new();

    /// <summary>The outcome of a send under a key: <see cref="Conflict"/> when the key was used for a different request.</summary>
    public readonly record struct Outcome(SendResult? Result, bool Replayed, bool Conflict);

    public async Task<Outcome> RunAsync(string key, ClientRequest request, Func<Task<SendResult>> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var fingerprint = Fingerprint(request);
        Entry entry;
        bool mine;
        lock (_lock)
        {
            Expire();
            if (_entries.TryGetValue(key, out var existing))
            {
                if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    return new Outcome(null, false, Conflict: true);
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
            return new Outcome(await entry.Result.Task, Replayed: true, Conflict: false);
        }

        try
        {
            var result = await send();
            entry.Result.TrySetResult(result);
            return new Outcome(result, Replayed: false, Conflict: false);
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

    // The frame is the request as nym-client would see it, so JSON and raw-bytes forms of the same send match.
    private static byte[] Fingerprint(ClientRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[RequestCodec.GetHeaderLength(request)];
        RequestCodec.EncodeHeader(request, header);
        hash.AppendData(header);
        hash.AppendData(RequestCodec.GetPayload(request).Span);
        return hash.GetHashAndReset();
    }

    private sealed record Entry(byte[] Fingerprint, DateTimeOffset ExpiresAt, TaskCompletionSource<SendResult> Result);
}
