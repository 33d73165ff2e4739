using System.Net.WebSockets;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>nym-client's connection habits: one client at a time, drops without close frames, restarts.</summary>
public class ConnectionTests
{
    [Fact]
    public async Task A_second_connection_is_shut_down_while_the_first_is_active()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var first = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await Assert.ThrowsAsync<WebSocketException>(() => EmulatorClient.ConnectAsync(emulator.Url));

        Assert.Equal(1, emulator.ConnectionsRefused);
        await first.AssertNothingPendingAsync();
        Assert.Equal(1, emulator.ConnectionsAccepted);
    }

    [Fact]
    public async Task RefuseConnections_shuts_new_connections_down_until_lifted()
    {
        await using var emulator = await TestEmulator.StartAsync();

        emulator.RefuseConnections(true);
        await Assert.ThrowsAsync<WebSocketException>(() => EmulatorClient.ConnectAsync(emulator.Url));
        emulator.RefuseConnections(false);
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.AssertNothingPendingAsync();
        Assert.Equal(1, emulator.ConnectionsRefused);
        Assert.Equal(1, emulator.ConnectionsAccepted);
    }

    [Fact]
    public async Task RefuseConnections_leaves_the_connected_client_alone()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        emulator.RefuseConnections(true);

        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task DropConnectionAsync_fails_the_client_socket_and_frees_the_slot()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await emulator.DropConnectionAsync().DefaultTimeout();

        var dropped = Assert.IsType<WebSocketException>(await client.AssertDroppedAsync());
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
        Assert.False(emulator.IsClientConnected);
        await using var again = await EmulatorClient.ConnectAsync(emulator.Url);
        await again.AssertNothingPendingAsync();
        Assert.Equal(2, emulator.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_close_frame_is_never_answered_the_socket_is_just_dropped()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).DefaultTimeout();

        var dropped = Assert.IsType<WebSocketException>(await client.AssertDroppedAsync());
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, dropped.WebSocketErrorCode);
        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
    }

    [Fact]
    public async Task Stop_drops_the_client_and_Start_listens_again_on_the_same_port()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var port = emulator.Port;
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await emulator.StopAsync().DefaultTimeout();

        await client.AssertDroppedAsync();
        Assert.False(emulator.IsClientConnected);
        await Assert.ThrowsAsync<WebSocketException>(() => EmulatorClient.ConnectAsync(emulator.Url));

        await emulator.StartAsync().DefaultTimeout();

        Assert.Equal(port, emulator.Port);
        Assert.Equal(new Uri($"ws://127.0.0.1:{port}/"), emulator.Url);
        await using var again = await EmulatorClient.ConnectAsync(emulator.Url);
        await again.AssertNothingPendingAsync();
        Assert.Equal(2, emulator.ConnectionsAccepted);
    }

    [Fact]
    public async Task Any_path_is_the_websocket()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(new Uri(emulator.Url, "/some/path?x=1"));

        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task A_plain_HTTP_request_gets_no_answer_and_frees_the_slot()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var http = new HttpClient { Timeout = TestTimeout.Default };

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{emulator.Port}/")));

        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task An_unresponsive_emulator_answers_neither_requests_nor_pings()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var keepAlive = TimeSpan.FromMilliseconds(50);
        var pongTimeout = TimeSpan.FromMilliseconds(250);
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url, configure: options =>
        {
            options.KeepAliveInterval = keepAlive;
            options.KeepAliveTimeout = pongTimeout;
        });

        // While responsive, pings are answered: the connection outlives several pong timeouts.
        var answer = client.ReceiveAsync<SelfAddressResponse>();
        await Task.Delay(pongTimeout * 4);
        Assert.False(answer.IsCompleted, "the connection failed while the emulator was responsive");
        await client.SendAsync(SelfAddressRequest.Instance);
        await answer;

        emulator.SetUnresponsive(true);
        await client.SendAsync(SelfAddressRequest.Instance);

        var gaveUp = await client.AssertDroppedAsync();
        Assert.Contains("Pong", gaveUp.InnerException?.Message ?? gaveUp.Message, StringComparison.Ordinal);
        Assert.Single(emulator.ReceivedFrames); // the request sent while unresponsive was never read
        emulator.SetUnresponsive(false);
        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
    }

    [Fact]
    public async Task Requests_sent_while_unresponsive_are_answered_once_it_recovers()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await client.AssertNothingPendingAsync();

        emulator.SetUnresponsive(true);
        await client.SendAsync(new GetLaneQueueLengthRequest(1));
        emulator.SetUnresponsive(false);

        Assert.Equal(new LaneQueueLengthResponse(1, 0), await client.ReceiveAsync());
    }

    [Fact]
    public async Task An_unresponsive_emulator_can_still_drop_its_client_and_stop()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);
        emulator.SetUnresponsive(true);
        await client.SendAsync(SelfAddressRequest.Instance);

        await emulator.DropConnectionAsync().DefaultTimeout();

        await client.AssertDroppedAsync();
        using var stalled = new ClientWebSocket();
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stalled.ConnectAsync(emulator.Url, giveUp.Token));
        await emulator.StopAsync().DefaultTimeout();
    }
}
