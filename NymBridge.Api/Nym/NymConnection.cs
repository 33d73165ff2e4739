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
    public NymConnection(IOptions<NymOptions> options, INymEndpoint endpoint, IInboundSink inbound, TimeProvider time, ILogger<NymConnection> logger)
    {
        _optionsAccessor = options;
        _endpoint = endpoint;
        _inbound = inbound;
        _time = time;
        _logger = logger;
    }

    private NymOptions Options => _optionsAccessor.Value;

    /// <summary>Frames waiting for the writer, bounded by <see cref="NymOptions.OutboundQueueCapacity"/>.</summary>
    private Channel<OutboundFrame> Outbound => _outbound ?? LazyInitializer.EnsureInitialized(ref _outbound, () =>
        Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(Options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        }));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new ReconnectBackoff(Options.ReconnectMinDelay, Options.ReconnectMaxDelay);
        // Connecting and waiting to reconnect end with a graceful stop too; a session drains first (.Shutdown).
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _finishing.Token);
        while (!leaving.IsCancellationRequested)
        {
            using var socket = CreateSocket();
            WriteBatchingStream stream;
            try
            {
                // Asked anew on every attempt: the endpoint (the built-in emulator) need not be listening when the app is composed.
                _clientUrl = await _endpoint.GetClientUrlAsync(leaving.Token);
                stream = await ConnectAsync(socket, _clientUrl, leaving.Token);
            }
            catch (Exception e) when (!leaving.IsCancellationRequested)
            {
                RecordError($"connect failed: {Describe(e)}");
                Log.ConnectFailed(_logger, Describe(e));
                await DelayAsync(backoff.Next(), leaving.Token);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff.Reset();
            await RunSessionAsync(socket, stream, stoppingToken);
            if (!leaving.IsCancellationRequested)
            {
                await DelayAsync(backoff.Next(), leaving.Token);
            }
        }

        FailQueued(NymUnavailableException.ForShutdown());
    }

    private async Task RunSessionAsync(ClientWebSocket socket, WriteBatchingStream stream, CancellationToken stoppingToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
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
        var finishing = first == writer && writer.IsCompletedSuccessfully && _finishing.IsCancellationRequested;
        if (finishing)
        {
            // The writer ran dry because the queue is closed for a graceful stop: every queued frame is written.
            await CloseGracefullyAsync(socket, reader);
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
        var lost = new NymUnavailableException($"The connection to nym-client was lost ({reason}).");
        _waiters.FailAll(lost);
        FailQueued(lost);
        if (!stoppingToken.IsCancellationRequested && !finishing)
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
