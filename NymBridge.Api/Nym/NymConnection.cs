using System.Net.Sockets;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using NymBridge.Protocol;

namespace NymBridge.Api.Nym;

/// <summary>
/// Owns the single websocket to nym-client (it accepts only one): connects, reconnects with backoff,
/// asks for the self address on every connect, and runs one writer and one reader per connection.
/// Nobody else touches the socket. Split by concern: this file the lifecycle, <c>.Write</c> the
/// outbound path, <c>.Read</c> the inbound path.
/// </summary>
public sealed partial class NymConnection : BackgroundService, INymConnection
{
    private readonly NymOptions _options;
    private readonly IInboundSink _inbound;
    private readonly TimeProvider _time;
    private readonly ILogger<NymConnection> _logger;
    private readonly Channel<OutboundFrame> _outbound;
    private readonly ResponseWaiters _waiters = new();
    private readonly Lock _statusLock = new();

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

    public NymConnection(IOptions<NymOptions> options, IInboundSink inbound, TimeProvider time, ILogger<NymConnection> logger)
    {
        _options = options.Value;
        _inbound = inbound;
        _time = time;
        _logger = logger;
        _outbound = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(_options.OutboundQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public NymAddress? SelfAddress => _connected ? _selfAddress : null;

    public Task<NymAddress> WaitForSelfAddressAsync(CancellationToken cancellationToken) =>
        Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken);

    private static TaskCompletionSource<NymAddress> NewReadySignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextStatusChange => Volatile.Read(ref _statusChange).Task;

    private void SignalStatusChange() =>
        Interlocked.Exchange(ref _statusChange, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void OnSelfAddress(NymAddress address)
    {
        _selfAddress = address;
        _waiters.Complete(address);
        Volatile.Read(ref _ready).TrySetResult(address);
        SignalStatusChange();
    }

    public NymConnectionStatus GetStatus()
    {
        lock (_statusLock)
        {
            return new NymConnectionStatus(
                _options.ClientUrl, _connected, _since, Interlocked.Read(ref _reconnects), _lastError, _lastErrorAt,
                SelfAddress?.ToString(), Interlocked.Read(ref _framesSent), Interlocked.Read(ref _framesReceived),
                Interlocked.Read(ref _badFrames), _outbound.Reader.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new ReconnectBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        // Connecting and waiting to reconnect end with a graceful stop too; a session drains first (.Shutdown).
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _finishing.Token);
        while (!leaving.IsCancellationRequested)
        {
            using var socket = CreateSocket();
            WriteBatchingStream stream;
            try
            {
                stream = await ConnectAsync(socket, leaving.Token);
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

    private ClientWebSocket CreateSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = _options.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = _options.KeepAliveTimeout;
        return socket;
    }

    /// <returns>The TCP stream under the websocket, through which the writer batches its frames.</returns>
    private async Task<WriteBatchingStream> ConnectAsync(ClientWebSocket socket, CancellationToken stoppingToken)
    {
        // nym-client takes its single slot at TCP accept and never times out a handshake, so a
        // stuck attempt would block every later one: give up on our side and abort cleanly.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        WriteBatchingStream? stream = null;

        // The handler's settings are those ClientWebSocket uses on its own; only the stream is ours.
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return stream = new WriteBatchingStream(new NetworkStream(tcp, ownsSocket: true));
                }
                catch
                {
                    tcp.Dispose();
                    throw;
                }
            },
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
        try
        {
            await socket.ConnectAsync(_options.ClientUrl, invoker, timeout.Token);
            return stream ?? throw new InvalidOperationException("The websocket connected without opening a TCP stream.");
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            socket.Abort();
            throw new TimeoutException($"no websocket handshake within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
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
        Log.Connected(_logger, _options.ClientUrl);
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

    private async Task RefreshSelfAddressAsync(CancellationToken session)
    {
        try
        {
            var waiter = _waiters.ExpectSelfAddress();
            await EnqueueAsync(new OutboundFrame(SelfAddressRequest.Instance), session);
            await waiter.Task.WaitAsync(_options.ResponseTimeout, _time, session);
        }
        catch (Exception e) when (e is TimeoutException or NymUnavailableException or OperationCanceledException or ChannelClosedException)
        {
            if (!session.IsCancellationRequested)
            {
                RecordError($"no self address from nym-client: {Describe(e)}");
            }
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

    private void RecordError(string error)
    {
        lock (_statusLock)
        {
            _lastError = error;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    // Exception messages from sockets name endpoints, never payloads; still, keep only the type and message.
    private static string Describe(Exception e) => e switch
    {
        WebSocketException w => $"websocket error {w.WebSocketErrorCode}: {w.Message}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
