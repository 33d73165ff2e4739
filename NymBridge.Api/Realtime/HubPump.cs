using Microsoft.AspNetCore.SignalR;
using NymBridge.Api.Inbox;
using NymBridge.Api.Messages;

namespace NymBridge.Api.Realtime;

/// <summary>
/// One SignalR connection's stream of events: its own inbox subscription, and the <c>Replay</c> calls of its
/// client, pushed one at a time so that they never interleave and no event is pushed twice.
/// </summary>
/// <remarks>
/// <para>
/// What the connection was pushed is always one range of seqs, <c>(_from, _last]</c> (evicted ones counted as
/// passed): live pushes extend it upwards from the last seq at connect, a Replay extends it downwards with the
/// retained events between its <c>after</c> and <c>_from</c>, as one run in seq order. Events above
/// <c>_last</c> are the subscription's to push, so a Replay never sends them.
/// </para>
/// <para>
/// Turn-taking without an allocation on the live path (an idle connection's every object counts, bench 3d):
/// the pump marks itself pushing around each write; a Replay that finds it pushing waits for the end of that
/// one write, and a pump that finds a Replay running waits for the Replay's end.
/// </para>
/// </remarks>
internal sealed partial class HubPump(HubConnectionContext connection)
{
    private long _from;
    private long _last;
    private bool _started;
    private bool _pushing;
    private TaskCompletionSource? _replayDone;
    private TaskCompletionSource? _replayMayStart;

    /// <summary>Starts the live subscription after <paramref name="lastSeq"/> (the inbox's last seq): what came before is the client's to ask for with Replay.</summary>
    public void Start(HubSubscriptions owner, long lastSeq)
    {
        lock (this)
        {
            if (_started)
            {
                return;
            }

            _started = true;
            _from = _last = lastSeq;
        }

        _ = PumpAsync(owner, lastSeq, connection.ConnectionAborted);
    }

    /// <summary>Pushes the retained events after <paramref name="after"/> that this connection was not pushed yet, in seq order, between two live pushes.</summary>
    public async Task<ReplayResult> ReplayAsync(IInboxFeed inbox, EventViews views, long after, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? mayStart;
        while (!TryBeginReplay(done, out mayStart, out var other))
        {
            await other!.WaitAsync(cancellationToken); // another Replay of the same client (only with parallel invocations enabled)
        }

        try
        {
            if (mayStart is not null)
            {
                await mayStart.WaitAsync(cancellationToken); // the pump finishes the write it is in
            }

            return await PushReplayAsync(inbox, views, after, cancellationToken);
        }
        finally
        {
            lock (this)
            {
                if (ReferenceEquals(_replayDone, done))
                {
                    _replayDone = null;
                    _replayMayStart = null;
                }
            }

            done.TrySetResult();
        }
    }

    /// <summary>
    /// False while another Replay runs (<paramref name="other"/>: its task). True when this one has the turn, then
    /// <paramref name="mayStart"/> is null, or the task to wait for while the pump finishes the write it is in.
    /// </summary>
    private bool TryBeginReplay(TaskCompletionSource done, out Task? mayStart, out Task? other)
    {
        lock (this)
        {
            mayStart = null;
            other = _replayDone?.Task;
            if (other is not null)
            {
                return false;
            }

            _replayDone = done;
            if (_pushing)
            {
                _replayMayStart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                mayStart = _replayMayStart.Task;
            }

            return true;
        }
    }

    private async Task<ReplayResult> PushReplayAsync(IInboxFeed inbox, EventViews views, long after, CancellationToken cancellationToken)
    {
        // Alone now: the pump does not write until this ends, so _from and _last hold still.
        var upTo = _from;
        var cursor = after;
        var count = 0;
        var truncated = false;
        var epoch = inbox.Epoch;
        while (cursor < upTo)
        {
            var page = await inbox.ReadAsync(cursor, null, inbox.MaxPage, TimeSpan.Zero, cancellationToken);
            epoch = page.Epoch;
            truncated |= page.Truncated;
            foreach (var e in page.Events)
            {
                if (e.Seq > upTo)
                {
                    break; // pushed live already, or the subscription's to push
                }

                await connection.WriteAsync(views.HubMessage(e), cancellationToken);
                count++;
            }

            if (page.Events.Count == 0 || page.Cursor >= upTo)
            {
                break;
            }

            cursor = page.Cursor;
        }

        _from = Math.Min(_from, after);
        return new ReplayResult(count, Math.Max(after, _last), epoch, truncated);
    }

    // One reference to the owner rather than its parts: the state of every idle connection's pump counts (bench 3d).
    private async Task PumpAsync(HubSubscriptions owner, long after, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in owner.Inbox.SubscribeAsync(after, cancellationToken))
            {
                while (TryBeginPush() is { } replay)
                {
                    await replay;
                }

                try
                {
                    await connection.WriteAsync(owner.Views.HubMessage(e), cancellationToken);
                    _last = e.Seq;
                }
                finally
                {
                    EndPush();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogPumpFailed(owner.Logger, e.GetType().Name);
        }
    }

    /// <summary>Null when the pump may write now, else the running Replay's task.</summary>
    private Task? TryBeginPush()
    {
        lock (this)
        {
            if (_replayDone is { } replay)
            {
                return replay.Task;
            }

            _pushing = true;
            return null;
        }
    }

    private void EndPush()
    {
        TaskCompletionSource? waiting;
        lock (this)
        {
            _pushing = false;
            waiting = _replayMayStart;
            _replayMayStart = null;
        }

        waiting?.TrySetResult();
    }

    [LoggerMessage(5001, LogLevel.Warning, "A SignalR subscription stopped: {Error}", EventName = "HubPumpFailed")]
    private static partial void LogPumpFailed(ILogger logger, string error);
}
