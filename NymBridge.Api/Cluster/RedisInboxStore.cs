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
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
        }
    }

    public async Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        var args = new RedisValue[4 + (2 * events.Count)];
        args[0] = NewEpochId();
        args[1] = _keys.Notifications;
        args[2] = _capacity;
        args[3] = _maxBytes;
        for (var i = 0; i < events.Count; i++)
        {
            args[4 + (2 * i)] = RedisInboxCodec.Header(events[i]);
            args[5 + (2 * i)] = events[i].Payload;
        }

        var reply = (RedisResult[])(await EvaluateAsync(RedisInboxScripts.Append, args, cancellationToken))!;
        Observe(reply[0]);
        var first = (long)reply[1];
        var appended = new InboxEvent[events.Count];
        for (var i = 0; i < appended.Length; i++)
        {
            appended[i] = events[i] with { Seq = first + i };
        }

        return appended;
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
        var entries = await _db.StreamRangeAsync(_keys.Stream, id, id, count: 1);
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

    private Task<RedisResult> EvaluateAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
    {
        // StackExchange.Redis takes no token: a script, once sent, runs to its end on the server anyway.
        cancellationToken.ThrowIfCancellationRequested();
        return _db.ScriptEvaluateAsync(script, _scriptKeys, args);
    }

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

    /// <param name="EpochAt">When the epoch began, server time in µs: a later epoch is newer whatever its version.</param>
    /// <param name="Version">Bumped by every write within the epoch.</param>
    private sealed record State(string Epoch, long EpochAt, long Version, InboxStats Stats)
    {
        public bool IsNotOlderThan(State other) =>
            EpochAt > other.EpochAt || (EpochAt == other.EpochAt && Version >= other.Version);
    }
}
