using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;
using NymBridge.Protocol;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// Keeps every instance's view of the leader's nym-client connection: the leader writes its local connection's
/// state to the hash <c>{name}:nym</c> on every change (and renews its TTL, the lease time, every quarter of it);
/// followers read it every quarter of the lease, at once when the leader publishes a change, and when asked
/// (<see cref="RequestRefresh"/>). So <c>/self-address</c>, <c>/status</c> and the hub's <c>status</c> work on followers.
/// </summary>
/// <remarks>
/// The write is fenced by the leader key: an instance that lost the lease cannot overwrite its successor's state.
/// A leader that dies leaves the hash to expire, and followers then see no connected leader. The address is never logged.
/// </remarks>
public sealed partial class NymStatePublisher : BackgroundService
{
    // KEYS[1] leader, KEYS[2] nym; ARGV instanceId, connected, address, sinceMs, ttl ms, channel, publish(1|0).
    private const string WriteScript = """
        local leader = redis.call('GET', KEYS[1])
        if not leader then return 0 end
        local _, _, id = string.find(leader, '^[^|]*|[^|]*|([^|]*)|')
        if id ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[2], 'connected', ARGV[2], 'address', ARGV[3], 'instanceId', ARGV[1], 'since', ARGV[4])
        redis.call('PEXPIRE', KEYS[2], ARGV[5])
        if ARGV[7] == '1' then redis.call('PUBLISH', ARGV[6], ARGV[1]) end
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly LeaderLease _lease;
    private readonly NymConnection _local;
    private readonly ClusterKeys _keys;
    private readonly TimeSpan _leaseTime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, // one pending wake-up stands for any number
        SingleReader = true,
    });

    private LeaderNymState? _view;
    private LeaderNymState? _published;
    private TaskCompletionSource _change = NewChange();
    private bool _failing;

    public NymStatePublisher(IConnectionMultiplexer redis, LeaderLease lease, NymConnection local, IOptions<ClusterOptions> options, TimeProvider time, ILogger<NymStatePublisher> logger)
    {
        _redis = redis;
        _lease = lease;
        _local = local;
        _keys = new ClusterKeys(options.Value.Name);
        _leaseTime = options.Value.LeaseTime;
        _time = time;
        _logger = logger;
        _lease.RoleChanged += _ => { Signal(); RequestRefresh(); };
    }

    /// <summary>The leader's connection as last written (on the leader) or read (on a follower); null when no leader published one.</summary>
    public LeaderNymState? View => Volatile.Read(ref _view);

    /// <summary>Completes at the next change of <see cref="View"/> or of this instance's role (take it anew after each).</summary>
    public Task NextChange => Volatile.Read(ref _change).Task;

    public TimeSpan RefreshInterval => _leaseTime / 4;

    /// <summary>Reads (or, on the leader, writes) the state now rather than at the next tick.</summary>
    public void RequestRefresh() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscription = await SubscribeAsync();
        var localChanges = WatchLocalAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                _wake.Reader.TryRead(out _);
                try
                {
                    await SyncAsync().WaitAsync(RefreshInterval, _time, stoppingToken);
                    _failing = false;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    if (!_failing)
                    {
                        _failing = true;
                        Log.SyncFailed(_logger, e.GetType().Name);
                    }
                }

                try
                {
                    await _wake.Reader.WaitToReadAsync(stoppingToken).AsTask().WaitAsync(RefreshInterval, _time, stoppingToken);
                }
                catch (TimeoutException)
                {
                    // the tick: renew the TTL, or read again
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (subscription is not null)
            {
                await subscription.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await localChanges.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<ChannelMessageQueue?> SubscribeAsync()
    {
        try
        {
            var subscription = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_keys.NymChannel));
            subscription.OnMessage(_ => RequestRefresh());
            return subscription;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Without it followers still read every quarter of the lease.
            Log.SyncFailed(_logger, e.GetType().Name);
            return null;
        }
    }

    /// <summary>Every change of the local connection (only the leader's has any) wakes the loop.</summary>
    private async Task WatchLocalAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _local.NextStatusChange.WaitAsync(stoppingToken);
            RequestRefresh();
        }
    }

    private async Task SyncAsync()
    {
        if (_lease.Role == ClusterRole.Leader)
        {
            await PublishAsync();
        }
        else
        {
            _published = null;
            await ReadAsync();
        }
    }

    private async Task PublishAsync()
    {
        var status = _local.GetStatus();
        var address = _local.SelfAddress;
        var state = new LeaderNymState(_lease.InstanceId, status.Connected, status.Connected ? address : null, status.Since);
        var changed = state != _published;
        var written = await _redis.GetDatabase().ScriptEvaluateAsync(WriteScript, [_keys.Leader, _keys.Nym],
        [
            state.InstanceId, state.Connected ? 1 : 0, state.Address?.ToString() ?? "",
            state.Since?.ToUnixTimeMilliseconds() ?? 0, (long)_leaseTime.TotalMilliseconds, _keys.NymChannel, changed ? 1 : 0,
        ]);
        if ((long)written == 1)
        {
            _published = state;
            SetView(state);
        }
    }

    /// <summary>
    /// Reads the state with the leader key: a state written by an instance that no longer holds the lease (it lost it,
    /// its successor has not connected yet) says nothing about the connection sends would go through now.
    /// </summary>
    private async Task ReadAsync()
    {
        var db = _redis.GetDatabase();
        var leader = db.StringGetAsync(_keys.Leader);
        var fields = db.HashGetAllAsync(_keys.Nym);
        var state = Parse(await fields);
        SetView(state is not null && LeaderInfo.TryParse(await leader)?.InstanceId == state.InstanceId ? state : null);
    }

    internal static LeaderNymState? Parse(HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value, StringComparer.Ordinal);
        if (!map.TryGetValue("instanceId", out var id) || string.IsNullOrEmpty(id))
        {
            return null;
        }

        var connected = map.GetValueOrDefault("connected") == "1";
        var address = connected && NymAddress.TryParse(map.GetValueOrDefault("address"), out var parsed, out _) ? parsed : null;
        var since = long.TryParse(map.GetValueOrDefault("since"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : (DateTimeOffset?)null;
        return new LeaderNymState(id, connected, address, since);
    }

    private void SetView(LeaderNymState? state)
    {
        if (Interlocked.Exchange(ref _view, state) != state)
        {
            Signal();
        }
    }

    private void Signal() => Interlocked.Exchange(ref _change, NewChange()).TrySetResult();

    private static TaskCompletionSource NewChange() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(12001, LogLevel.Warning, "Could not sync the leader's nym-client state with Redis ({Error}); retrying every quarter of the lease", EventName = "ClusterNymStateSyncFailed")]
        public static partial void SyncFailed(ILogger logger, string error);
    }
}
