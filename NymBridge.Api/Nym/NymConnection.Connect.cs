using System.Net.Sockets;
using System.Net.WebSockets;

namespace NymBridge.Api.Nym;

/// <summary>Opening the websocket, over a TCP stream of the connection's own through which the writer batches.</summary>
public sealed partial class NymConnection
{
    private ClientWebSocket CreateSocket()
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = Options.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = Options.KeepAliveTimeout;
        return socket;
    }

    /// <returns>The TCP stream under the websocket, through which the writer batches its frames.</returns>
    private async Task<WriteBatchingStream> ConnectAsync(ClientWebSocket socket, Uri url, CancellationToken stoppingToken)
    {
        // nym-client takes its single slot at TCP accept and never times out a handshake, so a
        // stuck attempt would block every later one: give up on our side and abort cleanly.
        using var deadline = new CancellationTokenSource(Options.ConnectTimeout, _time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
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
            await socket.ConnectAsync(url, invoker, timeout.Token);
            return stream ?? throw new InvalidOperationException("The websocket connected without opening a TCP stream.");
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            socket.Abort();
            throw new TimeoutException($"no websocket handshake within {Options.ConnectTimeout.TotalSeconds:0.#} s");
        }
    }
}
