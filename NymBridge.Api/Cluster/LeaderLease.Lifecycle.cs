using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>Starting to compete, and the two ways out: a release (a graceful stop) or a drop (as a crash would).</summary>
/// <remarks>
/// As a hosted service it is released in the host's <em>stopped</em> phase, after every hosted service's StopAsync — the
/// nym-client connection's included, which writes what is queued and closes the socket. Released earlier, a successor
/// could connect while this instance still held nym-client's one socket, and be refused. It keeps renewing until then,
/// however long the connection takes to drain, but from the <em>stopping</em> phase on it no longer tries to take the lead.
/// </remarks>
public sealed partial class LeaderLease
{
    private volatile bool _leaving;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        return Task.CompletedTask;
    }

    // The host's stop phase: still leading, still renewing; the release waits for StoppedAsync.
    Task IHostedService.StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => StopAsync(cancellationToken);

    /// <summary>
    /// Stops competing and, if leading, ends the term and deletes the key so another instance takes over at once; also
    /// when the term already ended by its own timer while the key still holds it.
    /// </summary>
    /// <remarks>Call it after the nym-client socket is closed: a successor may connect the moment the key is gone.</remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        await StopLoopAsync();
        string? held;
        lock (_lock)
        {
            held = _termValue;
        }

        if (held is not null)
        {
            Lose("this instance is stopping");
            try
            {
                await _redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [_keys.Leader], [held]).WaitAsync(TimeSpan.FromSeconds(2), _time, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException or ObjectDisposedException)
            {
                // The key expires on its own within the lease (a connection already disposed: a host stopped after its container was).
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
}
