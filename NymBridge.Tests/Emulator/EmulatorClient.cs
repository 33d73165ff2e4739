using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>
/// A raw websocket client speaking nym-client's protocol, for tests against the emulator (or a real
/// nym-client). Every step has a timeout, so a missing answer fails the test instead of hanging it.
/// </summary>
public sealed class EmulatorClient : IAsyncDisposable
{
    private readonly TimeSpan _timeout;

    private EmulatorClient(ClientWebSocket socket, TimeSpan timeout)
    {
        Socket = socket;
        _timeout = timeout;
    }

    public ClientWebSocket Socket { get; }

    public static async Task<EmulatorClient> ConnectAsync(Uri url, TimeSpan? timeout = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        using var deadline = new CancellationTokenSource(timeout ?? TestTimeout.Default);
        try
        {
            await socket.ConnectAsync(url, deadline.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EmulatorClient(socket, timeout ?? TestTimeout.Default);
    }

    /// <summary>Sends a request as a binary frame, as the bridge does.</summary>
    public Task SendAsync(ClientRequest request) => SendRawAsync(RequestCodec.Encode(request));

    /// <summary>Sends a JSON request as a text frame.</summary>
    public Task SendTextAsync(string json) => SendRawAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public async Task SendRawAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type = WebSocketMessageType.Binary, bool endOfMessage = true, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? _timeout);
        await Socket.SendAsync(data, type, endOfMessage, deadline.Token);
    }

    /// <summary>Sends one message as consecutive frames of at most <paramref name="frameBytes"/> each.</summary>
    public async Task SendInFramesAsync(ReadOnlyMemory<byte> message, int frameBytes, WebSocketMessageType type = WebSocketMessageType.Binary, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? _timeout);
        do
        {
            var frame = message[..Math.Min(frameBytes, message.Length)];
            message = message[frame.Length..];
            await Socket.SendAsync(frame, type, endOfMessage: message.IsEmpty, deadline.Token);
        }
        while (!message.IsEmpty);
    }

    /// <summary>Receives one whole message, however many frames carry it.</summary>
    public async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? _timeout);
        var data = new ArrayBufferWriter<byte>();
        ValueWebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(data.GetMemory(64 * 1024), deadline.Token);
            data.Advance(result.Count);
        }
        while (!result.EndOfMessage);

        return (result.MessageType, data.WrittenSpan.ToArray());
    }

    /// <summary>Receives one message and decodes it, binary or text, as the response it must be.</summary>
    public async Task<ServerResponse> ReceiveAsync(TimeSpan? timeout = null)
    {
        var (type, data) = await ReceiveMessageAsync(timeout);
        Assert.NotEqual(WebSocketMessageType.Close, type);
        ServerResponse? response;
        ProtocolError error;
        var decoded = type == WebSocketMessageType.Text
            ? TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(data), out response, out error)
            : ResponseCodec.TryDecode(data, out response, out error);
        Assert.True(decoded, $"undecodable {type} frame: {error}");
        return response!;
    }

    public async Task<T> ReceiveAsync<T>(TimeSpan? timeout = null)
        where T : ServerResponse => Assert.IsType<T>(await ReceiveAsync(timeout));

    /// <summary>
    /// Shows that nothing is on its way: asks for the self address and expects that answer next.
    /// The emulator answers in order and queues loopback pushes before the next request, so
    /// anything sent earlier would arrive first. No sleeping involved.
    /// </summary>
    public async Task AssertNothingPendingAsync(WebSocketMessageType format = WebSocketMessageType.Binary)
    {
        if (format == WebSocketMessageType.Text)
        {
            await SendTextAsync("""{"type":"selfAddress"}""");
        }
        else
        {
            await SendAsync(SelfAddressRequest.Instance);
        }

        await ReceiveAsync<SelfAddressResponse>();
    }

    /// <summary>
    /// Receives until the socket fails and returns why: a <see cref="WebSocketException"/> for a
    /// dropped connection, an <see cref="OperationCanceledException"/> when the client's own
    /// keep-alive gave up. Fails if a message arrives instead or nothing happens in time.
    /// </summary>
    public async Task<Exception> AssertDroppedAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? _timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), deadline.Token);
                Assert.Fail($"expected the connection to drop, received a {result.MessageType} frame");
            }
        }
        catch (WebSocketException e)
        {
            return e;
        }
        catch (OperationCanceledException e) when (!deadline.IsCancellationRequested)
        {
            return e;
        }
    }

    public ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
