using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
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
    /// <summary>What the client is told when its subscription ended while the bridge runs; it names no event and no address.</summary>
    public const string ReconnectError =
        "The inbox subscription ended: the inbox store could not be read, or its log began a new epoch. Reconnect and call Replay(after) with the last seq you have.";

    private static readonly CloseMessage ReconnectClose = new(ReconnectError, allowReconnect: true);
    private static readonly TimeSpan CloseWriteTimeout = TimeSpan.FromSeconds(5);

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
            InboxReadResult page;
            try
            {
                page = await inbox.ReadAsync(cursor, null, inbox.MaxPage, TimeSpan.Zero, cancellationToken);
            }
            catch (InboxUnavailableException e)
            {
                throw new HubException(e.Message); // the client may call Replay again; its connection stays
            }

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

    /// <remarks>
    /// A subscription that ends while the bridge runs — the store could not be read (cluster mode: Redis timed out or
    /// the connection was lost), the log moved to a new epoch — would leave an open connection that is pushed nothing,
    /// ever. So the connection is closed instead: the client's reconnect logic takes over, and it resumes with
    /// <c>Replay(after)</c> from the last seq it has, on this instance or another. Only when the bridge is stopping does
    /// the connection stay, for the server's drain to close.
    /// </remarks>
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

        if (!cancellationToken.IsCancellationRequested && !owner.Stopping)
        {
            LogClosingConnection(owner.Logger);
            await CloseForReconnectAsync();
        }
    }

    /// <summary>
    /// A close message that allows a reconnect, then the abort: an abort alone closes the connection as if the server
    /// meant it (no error, no reconnect), and the client's automatic reconnect would not take over.
    /// </summary>
    private async Task CloseForReconnectAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseWriteTimeout); // a client that does not read must not keep it open
            await connection.WriteAsync(ReconnectClose, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // gone already, or not reading: the abort below closes it anyway
        }
        finally
        {
            connection.Abort();
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

    [LoggerMessage(5002, LogLevel.Debug, "A SignalR subscription ended while the bridge runs; closing its connection so that the client reconnects and resumes", EventName = "HubSubscriptionEnded")]
    private static partial void LogClosingConnection(ILogger logger);
}
