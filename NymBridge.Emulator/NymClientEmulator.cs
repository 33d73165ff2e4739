using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Protocol;

namespace NymBridge.Emulator;

/// <summary>
/// A websocket server that behaves like nym-client's (clients/native/src/websocket): binary and text
/// requests, one client at a time, errors for malformed frames, LaneQueueLength for connection ids,
/// messages held while nobody is connected, and a mixnet that loops back what is sent to its own
/// address. Tests and the bridge's <c>--emulator</c> mode run against it instead of a Nym install.
/// </summary>
public sealed partial class NymClientEmulator : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly EmulatorOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly RequestHandler _handler;
    private readonly FrameRecorder? _recorder;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _port;
    private long _maxFrameBytesSeen;
    private bool _disposed;

    public NymClientEmulator(EmulatorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new EmulatorOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Port, IPEndPoint.MaxPort, nameof(options));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<NymClientEmulator>();
        _port = _options.Port;
        Address = _options.Address ?? GenerateAddress();
        _handler = new RequestHandler(Address, SenderTag.FromBytes(RandomNumberGenerator.GetBytes(SenderTag.Length)), _options.QueueLengthReport);
        _recorder = _options.RecordFrames ? new FrameRecorder() : null;
    }

    /// <summary>The port listened on: the configured one, or after the first start the one picked for port 0.</summary>
    public int Port => Volatile.Read(ref _port);

    public Uri Url => new($"ws://127.0.0.1:{Port}/");

    /// <summary>The emulated client's own address; what is sent here comes back.</summary>
    public NymAddress Address { get; }

    /// <summary>Every data message received so far, in arrival order (empty when RecordFrames is off).</summary>
    public IReadOnlyList<RecordedFrame> ReceivedFrames => _recorder?.Snapshot() ?? [];

    /// <summary>The largest payload of a single websocket frame received (or refused) since the last clear.</summary>
    public long MaxFrameBytesSeen => Interlocked.Read(ref _maxFrameBytesSeen);

    public async Task StartAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_app is not null)
            {
                throw new InvalidOperationException("The emulator is already running.");
            }

            var app = BuildApplication(Port);
            SetListening(true);
            try
            {
                await app.StartAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                SetListening(false);
                await app.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Volatile.Write(ref _port, new Uri(bound).Port);
            _app = app;
            EmulatorLog.Listening(_logger, Port);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening and drops any connection, as if nym-client died. Held messages are kept.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_app is not { } app)
            {
                return;
            }

            await CloseForConnectionsAsync().ConfigureAwait(false);
            await app.StopAsync(ct).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            _app = null;
            EmulatorLog.Stopped(_logger);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _disposed = true;
    }

    /// <summary>Completes with the first matching frame already received or arriving within <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">No matching frame arrived in time.</exception>
    public Task<RecordedFrame> WaitForFrameAsync(Func<RecordedFrame, bool>? predicate, TimeSpan timeout) =>
        _recorder?.WaitAsync(predicate, timeout)
        ?? throw new InvalidOperationException("This emulator does not record frames (EmulatorOptions.RecordFrames is false).");

    /// <summary>Forgets the recorded frames and resets <see cref="MaxFrameBytesSeen"/>.</summary>
    public void ClearRecordedFrames()
    {
        _recorder?.Clear();
        Interlocked.Exchange(ref _maxFrameBytesSeen, 0);
    }

    /// <summary>
    /// Kestrel on 127.0.0.1 with nothing from the environment: no configuration sources, no console
    /// lifetime, the caller's logger factory. Every path is the websocket, as nym accepts any path.
    /// </summary>
    private WebApplication BuildApplication(int port)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(NymClientEmulator).Assembly.GetName().Name,
        });
        builder.Services.AddSingleton<ILoggerFactory>(new EmbeddedHostLoggerFactory(_loggerFactory));
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                // tungstenite speaks HTTP/1.1 upgrades only.
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(AdmitConnection);
            });
        });

        var app = builder.Build();

        // nym-client (tungstenite) never pings; it only answers the client's pings.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(HandleRequestAsync);
        return app;
    }

    private void RecordFrameSize(ulong payloadLength)
    {
        var size = (long)Math.Min(payloadLength, long.MaxValue);
        var seen = Interlocked.Read(ref _maxFrameBytesSeen);
        while (size > seen)
        {
            var previous = Interlocked.CompareExchange(ref _maxFrameBytesSeen, size, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private static NymAddress GenerateAddress()
    {
        // Identity and gateway must decompress as Ed25519 points, as nym checks; about half of all
        // random 32-byte strings do. The encryption key (X25519) may be anything.
        Span<byte> bytes = stackalloc byte[NymAddress.Length];
        RandomNumberGenerator.Fill(bytes);
        FillWithValidPoint(bytes[..Ed25519Point.Length]);
        FillWithValidPoint(bytes[^Ed25519Point.Length..]);
        return NymAddress.FromBytes(bytes);
    }

    private static void FillWithValidPoint(Span<byte> key)
    {
        while (!Ed25519Point.IsValid(key))
        {
            RandomNumberGenerator.Fill(key);
        }
    }
}
