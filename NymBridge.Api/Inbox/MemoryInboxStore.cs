namespace NymBridge.Api.Inbox;

/// <summary>
/// The inbox in memory: for tests, the emulator, and users who want nothing on disk. Same seq,
/// retention and dropped semantics as <see cref="SqliteInboxStore"/>; a restart starts a new epoch.
/// </summary>
public sealed class MemoryInboxStore : IInboxStore
{
    private readonly RetentionPolicy _retention;
    private readonly Lock _lock = new();

    // Retained events, oldest first, as a ring: seq of _ring[(_head + i) % length] is FirstSeq + i.
    private InboxEvent[] _ring = new InboxEvent[16];
    private int _head;
    private int _count;
    private long _bytes;
    private long _lastSeq;
    private long _queueCursor;
    private long _dropped;
    private long _evicted;

    public MemoryInboxStore(InboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _retention = RetentionPolicy.From(options);
    }

    public string Epoch { get; } = Guid.NewGuid().ToString("N");

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var appended = new InboxEvent[events.Count];
        lock (_lock)
        {
            for (var i = 0; i < events.Count; i++)
            {
                var stored = events[i] with { Seq = ++_lastSeq };
                appended[i] = stored;
                Push(stored);
            }

            Evict();
        }

        return Task.FromResult<IReadOnlyList<InboxEvent>>(appended);
    }

    public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<InboxEvent>>(Slice(afterSeq, max));
        }
    }

    public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var index = seq - FirstSeq;
            return Task.FromResult(_count > 0 && index >= 0 && index < _count ? At((int)index) : null);
        }
    }

    public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        lock (_lock)
        {
            var previous = _queueCursor;
            var events = Slice(previous, max);
            if (events.Length > 0)
            {
                _queueCursor = events[^1].Seq;
            }

            return Task.FromResult(new InboxTake(events, previous));
        }
    }

    public InboxStats GetStats()
    {
        lock (_lock)
        {
            return new InboxStats(_count, _bytes, _count > 0 ? FirstSeq : 0, _lastSeq, _queueCursor, _dropped, _evicted);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private long FirstSeq => _lastSeq - _count + 1;

    private InboxEvent At(int index) => _ring[(_head + index) % _ring.Length];

    private InboxEvent[] Slice(long afterSeq, int max)
    {
        if (_count == 0 || afterSeq >= _lastSeq)
        {
            return [];
        }

        var start = (int)(Math.Max(afterSeq + 1, FirstSeq) - FirstSeq);
        var events = new InboxEvent[Math.Min(max, _count - start)];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = At(start + i);
        }

        return events;
    }

    private void Push(InboxEvent stored)
    {
        if (_count == _ring.Length)
        {
            var grown = new InboxEvent[_ring.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = At(i);
            }

            _ring = grown;
            _head = 0;
        }

        _ring[(_head + _count) % _ring.Length] = stored;
        _count++;
        _bytes += stored.Payload.Length;
    }

    private void Evict()
    {
        if (_retention.MustEvict(_count, _bytes))
        {
            var eviction = _retention.Evict(_count, _bytes, _queueCursor, Oldest());
            for (var i = 0; i < eviction.Evicted; i++)
            {
                _ring[_head] = null!;
                _head = (_head + 1) % _ring.Length;
            }

            _count = (int)eviction.Count;
            _bytes = eviction.Bytes;
            _evicted += eviction.Evicted;
            _dropped += eviction.Dropped;
        }

        // Give memory back after a burst: the ring never stays more than four times larger than needed.
        if (_ring.Length > 64 && _count < _ring.Length / 4)
        {
            var shrunk = new InboxEvent[Math.Max(16, _ring.Length / 2)];
            for (var i = 0; i < _count; i++)
            {
                shrunk[i] = At(i);
            }

            _ring = shrunk;
            _head = 0;
        }
    }

    private IEnumerable<(long Seq, long Size)> Oldest()
    {
        for (var i = 0; i < _count; i++)
        {
            var e = At(i);
            yield return (e.Seq, e.Payload.Length);
        }
    }
}
