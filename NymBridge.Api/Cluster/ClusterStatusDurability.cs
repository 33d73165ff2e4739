using Microsoft.Extensions.Options;

namespace NymBridge.Api.Cluster;

/// <summary>
/// Asks Redis once, when the host has started, whether it keeps what it acknowledges (<see cref="RedisDurability"/>),
/// for <c>/status</c>, and logs a warning when it does not: then a Redis restart or crash loses inbox events (and
/// starts a new epoch, so clients are told to reset).
/// </summary>
/// <remarks>
/// In the background, not in the start itself: a Redis that is down or slow at start must not hold up the bridge.
/// The warning says what is wrong in the settings' own names, never the server's address or a password.
/// </remarks>
internal sealed partial class ClusterStatusDurability(IOptions<ClusterOptions> options, ILogger<ClusterStatusDurability> logger)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>How long the probe may take before durability is reported as unknown.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _stopping = new();
    private volatile RedisDurabilityReport? _report;
    private volatile string _pending = "Not probed yet: the bridge asks Redis (CONFIG GET appendonly appendfsync maxmemory-policy) once it has started.";
    private Task? _probe;
    private volatile bool _disposed;

    /// <summary>The verdict, or null until the probe has answered (or when it could not).</summary>
    public RedisDurabilityReport? Report => _report;

    /// <summary>Why <see cref="Report"/> is null.</summary>
    public string Pending => _pending;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _probe = Task.Run(() => ProbeAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return; // a host stopped again after its container disposed it (WebApplicationFactory does)
        }

        await _stopping.CancelAsync();
        if (_probe is { } probe)
        {
            await probe.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _disposed = true;
        _stopping.Dispose();
    }

    private async Task ProbeAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(ProbeTimeout);
        RedisDurabilityReport report;
        try
        {
            report = await RedisDurability.ProbeAsync(RedisConnection.Parse(options.Value.Redis!), timeout.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // Unreachable, timed out, refused: durability is unknown, which /status and the log say.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // The exception's message may name the server's address: only its type goes out.
            _pending = $"Unknown: Redis could not be asked at start ({e.GetType().Name}); make sure it has appendonly yes, appendfsync always (or everysec) and maxmemory-policy noeviction.";
            Log.ProbeFailed(logger, e.GetType().Name);
            return;
        }

        _report = report;
        if (!report.Durable)
        {
            Log.NotDurable(logger, report.Reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(16001, LogLevel.Warning, "Redis may lose inbox events: {Reason}", EventName = "ClusterRedisNotDurable")]
        public static partial void NotDurable(ILogger logger, string reason);

        [LoggerMessage(16002, LogLevel.Warning, "Could not ask Redis whether it is durable ({Error}); /status reports durability as unknown", EventName = "ClusterRedisDurabilityUnknown")]
        public static partial void ProbeFailed(ILogger logger, string error);
    }
}
