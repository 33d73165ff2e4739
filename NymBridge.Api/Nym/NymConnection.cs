using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>
/// Owns the single websocket to nym-client (it accepts only one): connects, reconnects with backoff,
/// asks for the self address on every connect, and runs one writer and one reader per connection.
/// Nobody else touches the socket. Split by concern: this file the lifecycle, <c>.Connect</c> the
/// handshake, <c>.Write</c> the outbound path, <c>.Read</c> the inbound path, <c>.Status</c> what it
/// reports, <c>.Shutdown</c> the graceful stop.
/// </summary>
public sealed partial class NymConnection : BackgroundService, INymConnection
{
    private readonly IOptions<NymOptions> _optionsAccessor;
    private readonly INymEndpoint _endpoint;
    private readonly INymConnectionGate _gate;
    private readonly IInboundSink _inbound;
    private readonly TimeProvider _time;
    private readonly ILogger<NymConnection> _logger;
    private Channel<OutboundFrame>? _outbound;
    private readonly ResponseWaiters _waiters = new();
    private readonly Lock _statusLock = new();

    private volatile Uri? _clientUrl;
    private volatile bool _connected;
    private volatile NymAddress? _selfAddress;
    private TaskCompletionSource<NymAddress> _ready = NewReadySignal();
    private TaskCompletionSource _statusChange = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset? _since;
    private long _reconnects;
    private long _connectionsMade;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private long _framesSent;
    private long _framesReceived;
    private long _badFrames;

    /// <remarks>
    /// Reads nothing of its options here: the host builds its hosted services before it validates options
    /// at start, and a constructor that read them would report its section's errors alone, without the others.
    /// </remarks>
    public NymConnection(
        IOptions<NymOptions> options, INymEndpoint endpoint, INymConnectionGate gate, IInboundSink inbound, TimeProvider time, ILogger<NymConnection> logger)
    {
        _optionsAccessor = options;
        _endpoint = endpoint;
        _gate = gate;
        _inbound = inbound;
        _time = time;
        _logger = logger;
    }

    private NymOptions Options => _optionsAccessor.Value;

    /// <summary>Frames waiting for the writer, bounded by <see cref="NymOptions.OutboundQueueCapacity"/>.</summary>
    /// <remarks>Replaced by a fresh one when a turn begins after one that ended (<c>.Turn</c>): a completed channel stays completed.</remarks>
    private Channel<OutboundFrame> Outbound => Volatile.Read(ref _outbound) ?? LazyInitializer.EnsureInitialized(ref _outbound, NewOutbound);

    private Channel<OutboundFrame> NewOutbound() =>
        Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(Options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new ReconnectBackoff(Options.ReconnectMinDelay, Options.ReconnectMaxDelay);
        // Connecting and waiting to reconnect end with a graceful stop too; a session drains first (.Shutdown).
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _finishing.Token);
        while (!leaving.IsCancellationRequested)
        {
            // Once per turn, not per send: the always-open gate of single mode answers at once with a token that never fires.
            CancellationToken turn;
            try
            {
                turn = await _gate.WaitForTurnAsync(leaving.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            BeginTurn();
            await HoldTurnAsync(backoff, turn, leaving.Token, stoppingToken);
        }

        FailQueued(NymUnavailableException.ForShutdown());
    }

    /// <summary>Connects, and reconnects with backoff, until the turn ends or the bridge stops.</summary>
    private async Task HoldTurnAsync(ReconnectBackoff backoff, CancellationToken turn, CancellationToken leaving, CancellationToken stoppingToken)
    {
        using var attempts = CancellationTokenSource.CreateLinkedTokenSource(leaving, turn);
        while (!attempts.IsCancellationRequested)
        {
            using var socket = CreateSocket();
            WriteBatchingStream stream;
            try
            {
                // Asked anew on every attempt: the endpoint (the built-in emulator) need not be listening when the app is composed.
                _clientUrl = await _endpoint.GetClientUrlAsync(attempts.Token);
                stream = await ConnectAsync(socket, _clientUrl, attempts.Token);
            }
            catch (Exception e) when (!attempts.IsCancellationRequested)
            {
                RecordError($"connect failed: {Describe(e)}");
                Log.ConnectFailed(_logger, Describe(e));
                await DelayAsync(backoff.Next(), attempts.Token);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff.Reset();
            await RunSessionAsync(socket, stream, turn, stoppingToken);
            if (!attempts.IsCancellationRequested)
            {
                await DelayAsync(backoff.Next(), attempts.Token);
            }
        }
    }

    private async Task RunSessionAsync(ClientWebSocket socket, WriteBatchingStream stream, CancellationToken turn, CancellationToken stoppingToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // The end of the turn closes this session's queue: the writer writes what it holds, then the socket is half-closed.
        using var turnEnded = turn.Register(static state => ((NymConnection)state!).EndTurn(), this);
        lock (_statusLock)
        {
            _connected = true;
            _since = _time.GetUtcNow();
            if (Interlocked.Increment(ref _connectionsMade) > 1)
            {
                Interlocked.Increment(ref _reconnects);
            }
        }

        SignalStatusChange();
        Log.Connected(_logger, _clientUrl!);
        var reader = ReadLoopAsync(socket, session.Token);
        var writer = WriteLoopAsync(socket, stream, session.Token);
        _ = RefreshSelfAddressAsync(session.Token);

        var first = await Task.WhenAny(reader, writer);
        var reason = first.Exception?.GetBaseException() is { } error ? Describe(error) : "connection closed";
        var drained = first == writer && writer.IsCompletedSuccessfully;
        var finishing = drained && _finishing.IsCancellationRequested;
        var yielded = drained && !finishing && turn.IsCancellationRequested;
        if (finishing || yielded)
        {
            // The writer ran dry because the queue is closed (a graceful stop, or the turn ended): every queued frame is written.
            // Only the host's shutdown timeout bounds the read to nym-client's drop: a shorter limit would cut off what it still writes.
            await CloseGracefullyAsync(socket, reader, finishing ? _stopDeadline : stoppingToken);
            if (finishing)
            {
                Log.ClosedForShutdown(_logger);
            }
            else
            {
                reason = GaveUpReason;
                Log.GaveUpConnection(_logger);
            }
        }

        await session.CancelAsync();
        socket.Abort();
        await Task.WhenAll(reader.ContinueWith(_ => { }, TaskScheduler.Default), writer.ContinueWith(_ => { }, TaskScheduler.Default));

        lock (_statusLock)
        {
            _connected = false;
            _selfAddress = null;
            _since = _time.GetUtcNow();
            if (_ready.Task.IsCompleted)
            {
                Volatile.Write(ref _ready, NewReadySignal());
            }
        }

        SignalStatusChange();
        // A lane answer still awaited was asked in a frame that is written: "nothing was sent" would be untrue for it.
        var lost = new NymUnavailableException(yielded
            ? "This instance gave up its connection to nym-client (it no longer leads the cluster) before nym-client answered."
            : $"The connection to nym-client was lost ({reason}).");
        _waiters.FailAll(lost);
        FailQueued(yielded ? GaveUpRefusal() : lost);
        if (yielded)
        {
            RecordError(reason);
        }
        else if (!stoppingToken.IsCancellationRequested && !finishing)
        {
            RecordError(reason);
            Log.Disconnected(_logger, reason);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, _time, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Exception messages from sockets name endpoints, never payloads; still, keep only the type and message.
    private static string Describe(Exception e) => e switch
    {
        WebSocketException w => $"websocket error {w.WebSocketErrorCode}: {w.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
