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
public sealed partial class LeaderLease : ILeaderLocator, IHostedLifecycleService, IAsyncDisposable
{
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
    // The key's value for this instance's last term: held while _current is set, and kept after the term ends, since a
    // term its own timer ended (renewals stuck behind a busy pool or a slow Redis) may still own the key, and a stop
    // deletes it (compare-and-delete, so only if so).
    private string? _termValue;
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
            // A term whose timer ran out but whose loss is still being recorded is no longer a term.
            return _current is { Lost.IsCancellationRequested: false } current ? Task.FromResult(current) : _nextLeadership.Task.WaitAsync(cancellationToken);
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

    private static TaskCompletionSource<Leadership> NewLeadershipSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
