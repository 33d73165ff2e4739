using NymBridge.Api.Inbox;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The inbox in Redis, shared by every bridge instance: a stream <c>{name}:inbox</c> with entry ids
/// <c>&lt;seq&gt;-0</c> beside the hash <c>{name}:meta</c>, changed only by the scripts in
/// <see cref="RedisInboxScripts"/>. Same seq, retention and dropped semantics as the other stores.
/// </summary>
/// <remarks>
/// <para>
/// The epoch is not fixed for the store's life as in SQLite: it changes when Redis may have lost writes (see
/// <see cref="RedisInboxScripts"/>). Every script answers with the log's state, and the store keeps the newest
/// it has seen, so <see cref="Epoch"/> and <see cref="GetStats"/> stay cheap (no round trip) and are as fresh as
/// this instance's last append, read or take; the tail reads every second or on every append, so on a follower
/// they lag by at most that.
/// </para>
/// <para>
/// The connection is not the store's: one multiplexer serves the whole instance (store, tail, lease), so
/// disposing the store leaves it open.
/// </para>
/// </remarks>
public sealed class RedisInboxStore : IInboxStore, IInboxEpochReads
{
    private readonly IDatabase _db;
    private readonly RedisInboxKeys _keys;
    private readonly RedisKey[] _scriptKeys;
    private readonly RedisValue _capacity;
    private readonly RedisValue _maxBytes;
    private readonly Lock _lock = new();
    private State _state = new(string.Empty, 0, 0, new InboxStats(0, 0, 0, 0, 0, 0, 0));
    // Batch ids: this store's own prefix (one per process start) and a counter.
    private readonly string _writerId = Guid.NewGuid().ToString("N");
    private long _batches;
    // The last batch whose script call lost its reply, until the writer's retry sends it again.
    private UnconfirmedAppend? _unconfirmed;

    public RedisInboxStore(IConnectionMultiplexer redis, RedisInboxKeys keys, InboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        _db = redis.GetDatabase();
        _keys = keys;
        _scriptKeys = keys.ScriptKeys;
        _capacity = options.Capacity;
        _maxBytes = options.MaxBytes;
    }

    public RedisInboxKeys Keys => _keys;

    public string Epoch => Volatile.Read(ref _state).Epoch;

    /// <summary>Creates the epoch when there is none yet, and loads the state.</summary>
    /// <remarks>
    /// A Redis that cannot be reached does not fail the start (the connection keeps retrying): the epoch is then
    /// empty until the first read or append that reaches Redis, and every read until then fails as Redis does.
    /// The tail logs it (<see cref="RedisInboxTail"/>).
    /// </remarks>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadPageAsync(0, 0, cancellationToken);
        }
        catch (InboxUnavailableException)
        {
        }
    }

    /// <remarks>
    /// <para>
    /// Idempotent per batch: every script call carries a batch id (this store's writer id and a counter), and the
    /// script records the last one it applied in <c>{name}:meta</c>. When a reply is lost (a timeout, a dropped
    /// connection) the script may have run or not; the writer then retries the same events, and this store sends
    /// them again under the same id, so a script that already ran answers with its earlier seqs instead of
    /// appending a second copy.
    /// </para>
    /// <para>
    /// The writer's retry is recognised by its events: it retries the very same <see cref="InboxEvent"/> objects,
    /// possibly with more accepted meanwhile after them; those go in a second call, as a batch of their own.
    /// </para>
    /// </remarks>
    public async Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var appended = new List<InboxEvent>(events.Count);
        if (TakeUnconfirmed(events) is { } unconfirmed)
        {
            // Its confirmed part is in (with these seqs); the part whose reply was lost goes again under its id:
            // appended now if that call never ran, else answered from the first run.
            appended.AddRange(unconfirmed.Confirmed);
            await AppendBatchAsync(unconfirmed.Id, events, appended, unconfirmed.Events.Length, cancellationToken);
        }

        if (appended.Count < events.Count)
        {
            await AppendBatchAsync(NextBatchId(), events, appended, events.Count, cancellationToken);
        }

        return appended;
    }

    /// <summary>This instance's writer id and batch counter: unique across instances and restarts.</summary>
    private string NextBatchId() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_writerId}:{Interlocked.Increment(ref _batches)}");

    /// <summary>The append whose last call lost its reply, when <paramref name="events"/> begin with its very events (a retry); else null, and it is forgotten.</summary>
    private UnconfirmedAppend? TakeUnconfirmed(IReadOnlyList<InboxEvent> events)
    {
        var unconfirmed = Interlocked.Exchange(ref _unconfirmed, null);
        if (unconfirmed is null || events.Count < unconfirmed.Events.Length)
        {
            return null;
        }

        for (var i = 0; i < unconfirmed.Events.Length; i++)
        {
            if (!ReferenceEquals(events[i], unconfirmed.Events[i]))
            {
                return null;
            }
        }

        return unconfirmed;
    }

    /// <summary>
    /// Appends <c>events[appended.Count..end)</c> as one batch under <paramref name="batchId"/>, adding them with their
    /// seqs to <paramref name="appended"/>. When the reply is lost, remembers what a retry must send again under the same id.
    /// </summary>
    private async Task AppendBatchAsync(string batchId, IReadOnlyList<InboxEvent> events, List<InboxEvent> appended, int end, CancellationToken cancellationToken)
    {
        var start = appended.Count;
        var count = end - start;
        var args = new RedisValue[5 + (2 * count)];
        args[0] = NewEpochId();
        args[1] = _keys.Notifications;
        args[2] = _capacity;
        args[3] = _maxBytes;
        args[4] = batchId;
        for (var i = 0; i < count; i++)
        {
            args[5 + (2 * i)] = RedisInboxCodec.Header(events[start + i]);
            args[6 + (2 * i)] = events[start + i].Payload;
        }

        RedisResult[] reply;
        try
        {
            reply = (RedisResult[])(await EvaluateAsync(RedisInboxScripts.Append, args, cancellationToken))!;
        }
        catch (InboxUnavailableException)
        {
            // The script may have run: the writer's retry of these events goes under the same id.
            var sent = new InboxEvent[end];
            for (var i = 0; i < end; i++)
            {
                sent[i] = events[i];
            }

            Volatile.Write(ref _unconfirmed, new UnconfirmedAppend(sent, [.. appended], batchId));
            throw;
        }

        Observe(reply[0]);
        var first = (long)reply[1];
        for (var i = 0; i < count; i++)
        {
            appended.Add(events[start + i] with { Seq = first + i });
        }
    }

    public async Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return (await ReadPageAsync(afterSeq, max, cancellationToken)).Events;
    }

    /// <summary>
    /// A replay read that also says which epoch the events belong to: a reader that compares its epoch with
    /// <see cref="Epoch"/> first and then reads could otherwise label events of a new epoch with the old one.
    /// </summary>
    /// <param name="max">At most this many events; 0 reads only the state.</param>
    public async Task<InboxPage> ReadPageAsync(long afterSeq, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var reply = (RedisResult[])(await EvaluateAsync(RedisInboxScripts.Read, [NewEpochId(), afterSeq, max], cancellationToken))!;
        var state = Observe(reply[0]);
        return new InboxPage(state.Epoch, RedisInboxCodec.DecodeEntries(reply[1]), state.Stats);
    }

    public async Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken)
    {
        if (seq <= 0)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var id = $"{seq}-0";
        StreamEntry[] entries;
        try
        {
            entries = await _db.StreamRangeAsync(_keys.Stream, id, id, count: 1);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new InboxUnavailableException(e);
        }

        return entries.Length == 0 ? null : RedisInboxCodec.Decode(entries[0]);
    }

    public async Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) =>
        (await TakeInEpochAsync(max, cancellationToken)).Take;

    /// <summary>A queue read with the epoch it took in (the script's own state, not <see cref="Epoch"/>, which another call may have moved on).</summary>
    public async Task<InboxEpochTake> TakeInEpochAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var reply = (RedisResult[])(await EvaluateAsync(RedisInboxScripts.Take, [NewEpochId(), max], cancellationToken))!;
        var state = Observe(reply[0]);
        return new InboxEpochTake(state.Epoch, new InboxTake(RedisInboxCodec.DecodeEntries(reply[2]), (long)reply[1]));
    }

    public InboxStats GetStats() => Volatile.Read(ref _state).Stats;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<RedisResult> EvaluateAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        // StackExchange.Redis takes no token: a script, once sent, runs to its end on the server anyway.
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await _db.ScriptEvaluateAsync(script, _scriptKeys, args);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new InboxUnavailableException(e);
        }
    }

    /// <summary>
    /// Redis not reachable, not answering in time, or refusing for now (a server error such as OOM under
    /// <c>noeviction</c>, LOADING, BUSY): for a reader, the inbox cannot be read now and may be later.
    /// </summary>
    private static bool IsUnavailable(Exception e) => e is RedisException or RedisTimeoutException;

    private static RedisValue NewEpochId() => Guid.NewGuid().ToString("N");

    /// <summary>Keeps the newest state seen: replies of concurrent calls may arrive in any order.</summary>
    private State Observe(RedisResult reply)
    {
        var m = (RedisResult[])reply!;
        var count = (long)m[4];
        var last = (long)m[3];
        var seen = new State(
            (string)m[0]!,
            long.Parse((string)m[1]!, System.Globalization.CultureInfo.InvariantCulture),
            (long)m[2],
            new InboxStats(count, (long)m[5], count > 0 ? last - count + 1 : 0, last, (long)m[6], (long)m[7], (long)m[8]));
        lock (_lock)
        {
            if (seen.IsNotOlderThan(_state))
            {
                Volatile.Write(ref _state, seen);
            }
        }

        return seen;
    }

    /// <param name="Events">What the lost call's append was given up to its batch, as the retry must begin.</param>
    /// <param name="Confirmed">The first of them, appended by earlier calls, with their seqs.</param>
    /// <param name="Id">The batch id of the rest, the call whose reply was lost.</param>
    private sealed record UnconfirmedAppend(InboxEvent[] Events, InboxEvent[] Confirmed, string Id);

    /// <param name="EpochAt">When the epoch began, server time in µs: a later epoch is newer whatever its version.</param>
    /// <param name="Version">Bumped by every write within the epoch.</param>
    private sealed record State(string Epoch, long EpochAt, long Version, InboxStats Stats)
    {
        public bool IsNotOlderThan(State other) =>
            EpochAt > other.EpochAt || (EpochAt == other.EpochAt && Version >= other.Version);
    }
}
