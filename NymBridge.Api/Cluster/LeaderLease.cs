using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The leader election: a Redis key <c>{name}:leader</c> set with <c>NX PX</c>, renewed by compare-and-pexpire every
/// quarter of the lease and released by compare-and-delete. Each new acquisition increments <c>{name}:term</c>.
/// </summary>
/// <remarks>
/// The leader gives up as soon as it has not renewed for two thirds of the lease (10 s of 15), counted from when its last
/// successful renewal was <em>sent</em>, so it has stopped believing it leads well before the key can expire and another
/// instance take it — whether Redis is unreachable, slow, or this process was paused (SIGSTOP) and woke late.
/// A renewal that finds the key gone or held by someone else ends the term at once.
/// Every instance, eligible or not, reads the key each tick, so followers know where to forward sends.
/// </remarks>
public sealed partial class LeaderLease : ILeaderLocator, IHostedService, IAsyncDisposable
{
    // KEYS[1] leader, KEYS[2] term; ARGV[1] "instanceId|url", ARGV[2] lease ms. TIME: one clock for every instance's "since".
    private const string AcquireScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return false end
        local term = redis.call('INCR', KEYS[2])
        local t = redis.call('TIME')
        local value = term .. '|' .. t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)) .. '|' .. ARGV[1]
        redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
        return value
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly ClusterOptions _options;
    private readonly ClusterKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<Channel<LeadershipChange>> _watchers = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    // Guarded by _lock.
    private string? _heldValue;
    private CancellationTokenSource? _termLost;
    private Leadership? _current;
    private TaskCompletionSource<Leadership> _nextLeadership = NewLeadershipSource();
    private LeaderInfo? _leader;

    public LeaderLease(IConnectionMultiplexer redis, IOptions<ClusterOptions> options, TimeProvider time, ILogger<LeaderLease> logger)
    {
        _redis = redis;
        _options = options.Value;
        _keys = new ClusterKeys(_options.Name);
        _time = time;
        _logger = logger;
        if (Eligible && !Uri.TryCreate(_options.AdvertisedUrl, UriKind.Absolute, out _))
        {
            throw new ArgumentException("Cluster:AdvertisedUrl is required on an instance that may lead.", nameof(options));
        }
    }

    public string InstanceId => _options.InstanceId ?? throw new InvalidOperationException("Cluster:InstanceId is not set.");
    public bool Eligible => _options.LeaderEligible == true;
    public TimeSpan LeaseTime => _options.LeaseTime;
    public TimeSpan RenewInterval => _options.LeaseTime / 4;

    /// <summary>Renewal has failed for this long: the leader stops leading at once, a third of the lease before the key may expire.</summary>
    public TimeSpan GiveUpAfter => _options.LeaseTime * 2 / 3;

    public ClusterRole Role
    {
        get { lock (_lock) { return _current is null ? ClusterRole.Follower : ClusterRole.Leader; } }
    }

    /// <summary>This instance's current term, or null when it does not lead.</summary>
    public Leadership? Current
    {
        get { lock (_lock) { return _current; } }
    }

    /// <summary>The leader as last read from Redis (at most <see cref="RenewInterval"/> old), or null when none is known.</summary>
    public LeaderInfo? Leader
    {
        get { lock (_lock) { return _leader; } }
    }

    /// <summary>Raised on every gain and loss, after the state changed; handlers must not block.</summary>
    public event Action<LeadershipChange>? RoleChanged;

    /// <summary>Completes when this instance leads (at once if it does now).</summary>
    public Task<Leadership> WaitForLeadershipAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _current is { } current ? Task.FromResult(current) : _nextLeadership.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Every role change from the moment of this call, in order (subscribed at once, not at the first MoveNextAsync).</summary>
    public IAsyncEnumerable<LeadershipChange> WatchAsync(CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<LeadershipChange>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            _watchers.Add(channel);
        }

        return ReadAsync(channel, cancellationToken);
    }

    private async IAsyncEnumerable<LeadershipChange> ReadAsync(Channel<LeadershipChange> channel, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Reads the leader key now (a follower whose forward failed wants the newest, not the cached one).</summary>
    public async Task<LeaderInfo?> RefreshLeaderAsync()
    {
        var value = await _redis.GetDatabase().StringGetAsync(_keys.Leader);
        var leader = LeaderInfo.TryParse(value);
        lock (_lock)
        {
            _leader = leader;
        }

        return leader;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops competing and, if leading, ends the term and deletes the key so another instance takes over at once.</summary>
    /// <remarks>Call it after the nym-client socket is closed: a successor may connect the moment the key is gone.</remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopLoopAsync();
        string? held;
        lock (_lock)
        {
            held = _heldValue;
        }

        if (held is not null)
        {
            Lose("this instance is stopping");
            try
            {
                await _redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [_keys.Leader], [held]).WaitAsync(TimeSpan.FromSeconds(2), _time, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
            {
                // The key expires on its own within the lease.
                Log.ReleaseFailed(_logger, e.GetType().Name);
            }
        }
    }

    /// <summary>Stops without releasing, as a crash would: the key stays until its lease runs out.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync();
        Lose("this instance stopped without releasing the lease");
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }

        _stopping.Dispose();
    }

    private async Task StopLoopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var lastRenewalSent = DateTimeOffset.MinValue;
        while (!stopping.IsCancellationRequested)
        {
            var wait = RenewInterval;
            try
            {
                string? held;
                lock (_lock)
                {
                    held = _heldValue;
                }

                if (held is not null)
                {
                    var deadline = lastRenewalSent + GiveUpAfter;
                    var now = _time.GetUtcNow();
                    if (now >= deadline)
                    {
                        Lose($"could not renew the lease for {GiveUpAfter.TotalSeconds:0.#} s");
                        continue;
                    }

                    try
                    {
                        var renewed = await _redis.GetDatabase()
                            .ScriptEvaluateAsync(RenewScript, [_keys.Leader], [held, (long)LeaseTime.TotalMilliseconds])
                            .WaitAsync(deadline - now, _time, stopping);
                        if ((long)renewed == 1)
                        {
                            lastRenewalSent = now;
                        }
                        else
                        {
                            Lose("the leader key expired or is held by another instance");
                            continue;
                        }
                    }
                    catch (Exception e) when (e is RedisException or TimeoutException)
                    {
                        Log.RenewFailed(_logger, e.GetType().Name);
                    }

                    // Never sleep past the moment this instance must give up.
                    var left = lastRenewalSent + GiveUpAfter - _time.GetUtcNow();
                    wait = left < wait ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : wait;
                }
                else
                {
                    if (Eligible && await TryAcquireAsync(stopping) is { } sent)
                    {
                        lastRenewalSent = sent;
                        continue;
                    }

                    await RefreshLeaderAsync().WaitAsync(RenewInterval, _time, stopping);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Log.RedisFailed(_logger, e.GetType().Name);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(wait, _time, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<DateTimeOffset?> TryAcquireAsync(CancellationToken stopping)
    {
        var sent = _time.GetUtcNow();
        var result = await _redis.GetDatabase()
            .ScriptEvaluateAsync(AcquireScript, [_keys.Leader, _keys.Term], [$"{InstanceId}|{_options.AdvertisedUrl}", (long)LeaseTime.TotalMilliseconds])
            .WaitAsync(RenewInterval, _time, stopping);
        var value = (string?)result;
        if (value is null || LeaderInfo.TryParse(value) is not { } info)
        {
            return null;
        }

        Leadership gained;
        TaskCompletionSource<Leadership> waiters;
        lock (_lock)
        {
            _heldValue = value;
            _leader = info;
            _termLost = new CancellationTokenSource();
            gained = _current = new Leadership(info.Term, info.Since, _termLost.Token);
            waiters = _nextLeadership;
            _nextLeadership = NewLeadershipSource();
        }

        Log.Gained(_logger, info.Term);
        waiters.TrySetResult(gained);
        Publish(new LeadershipChange(ClusterRole.Leader, info.Term, "acquired the leader lease"));
        return sent;
    }

    private void Lose(string reason)
    {
        CancellationTokenSource? lost;
        long term;
        lock (_lock)
        {
            if (_current is null)
            {
                return;
            }

            term = _current.Term;
            lost = _termLost;
            _current = null;
            _termLost = null;
            _heldValue = null;
            if (_leader?.InstanceId == InstanceId)
            {
                _leader = null;
            }
        }

        Log.Lost(_logger, term, reason);
        lost?.Cancel();
        lost?.Dispose();
        Publish(new LeadershipChange(ClusterRole.Follower, term, reason));
    }

    private void Publish(LeadershipChange change)
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(change);
            }
        }

        try
        {
            RoleChanged?.Invoke(change);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, e);
        }
    }

    private static TaskCompletionSource<Leadership> NewLeadershipSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
