using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>The loop: renew while leading, otherwise try to take the lease (if eligible) and read who holds it.</summary>
public sealed partial class LeaderLease
{
    private string TermExpiredReason => $"could not renew the lease for {GiveUpAfter.TotalSeconds:0.#} s";

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
                    held = _current is null ? null : _termValue;
                }

                if (held is not null)
                {
                    var deadline = lastRenewalSent + GiveUpAfter;
                    var now = _time.GetUtcNow();
                    if (now >= deadline)
                    {
                        Lose(TermExpiredReason);
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
                            ExtendTerm(now);
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
                    if (Eligible && !_leaving && await TryAcquireAsync(stopping) is { } sent)
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
            _termValue = value;
            _leader = info;
            var termLost = _termLost = new CancellationTokenSource(UntilGiveUp(sent), _time);
            termLost.Token.UnsafeRegister(_ => Lose(TermExpiredReason, termLost), null);
            gained = _current = new Leadership(info.Term, info.Since, termLost.Token);
            waiters = _nextLeadership;
            _nextLeadership = NewLeadershipSource();
        }

        Log.Gained(_logger, info.Term);
        waiters.TrySetResult(gained);
        Publish(new LeadershipChange(ClusterRole.Leader, info.Term, "acquired the leader lease"));
        return sent;
    }

    /// <summary>A renewal sent at <paramref name="sent"/> succeeded: the term's own timer now fires two thirds of a lease from then.</summary>
    private void ExtendTerm(DateTimeOffset sent)
    {
        lock (_lock)
        {
            _termLost?.CancelAfter(UntilGiveUp(sent));
        }
    }

    private TimeSpan UntilGiveUp(DateTimeOffset sent) =>
        sent + GiveUpAfter - _time.GetUtcNow() is { Ticks: > 0 } left ? left : TimeSpan.Zero;

    /// <remarks>
    /// The term's token is cancelled by its own timer, not by this loop: a process that was paused (SIGSTOP) or a loop
    /// stuck behind Redis gives its nym-client socket up the moment the timer runs, before any Redis call is answered.
    /// A token that timer has cancelled is left to the collector: it is disposed only where it is cancelled here.
    /// </remarks>
    /// <param name="term">When given, only that term ends: a timer that fires as the loop ends it must not end the next one.</param>
    private void Lose(string reason, CancellationTokenSource? term = null)
    {
        CancellationTokenSource? lost;
        long ended;
        lock (_lock)
        {
            if (_current is null || (term is not null && _termLost != term))
            {
                return;
            }

            ended = _current.Term;
            lost = _termLost;
            _current = null;
            _termLost = null;
            if (_leader?.InstanceId == InstanceId)
            {
                _leader = null;
            }
        }

        Log.Lost(_logger, ended, reason);
        if (lost is { IsCancellationRequested: false })
        {
            lost.Cancel();
            lost.Dispose();
        }

        Publish(new LeadershipChange(ClusterRole.Follower, ended, reason));
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
}
