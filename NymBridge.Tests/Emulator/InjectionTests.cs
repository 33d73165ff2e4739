using System.Net.WebSockets;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>What a test pushes to the client: mixnet messages (held while nobody listens), errors, garbage.</summary>
public class InjectionTests
{
    [Fact]
    public async Task Messages_injected_while_disconnected_are_pushed_in_order_right_after_the_handshake()
    {
        await using var emulator = await TestEmulator.StartAsync();
        var tag = SenderTag.FromBytes(Enumerable.Repeat((byte)7, 16).ToArray());

        await emulator.InjectReceivedAsync("first"u8.ToArray()).DefaultTimeout();
        await emulator.InjectReceivedAsync("second"u8.ToArray(), tag).DefaultTimeout();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        var first = await client.ReceiveAsync<ReceivedResponse>();
        var second = await client.ReceiveAsync<ReceivedResponse>();
        Assert.Equal("first"u8.ToArray(), first.Message.ToArray());
        Assert.Null(first.SenderTag);
        Assert.Equal("second"u8.ToArray(), second.Message.ToArray());
        Assert.Equal(tag, second.SenderTag);
        await client.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Held_messages_are_pushed_binary_even_to_a_client_that_spoke_text_before()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using (var textClient = await EmulatorClient.ConnectAsync(emulator.Url))
        {
            await textClient.SendTextAsync("""{"type":"selfAddress"}""");
            await textClient.ReceiveAsync<SelfAddressResponse>();
        }

        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
        await emulator.InjectReceivedAsync("held"u8.ToArray()).DefaultTimeout();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal("held"u8.ToArray(), Assert.IsType<ReceivedResponse>(ResponseCodec.Decode(data)).Message.ToArray());
    }

    [Fact]
    public async Task A_live_injected_message_reaches_the_connected_client()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await emulator.InjectReceivedAsync(new byte[] { 0, 1, 2, 255 }).DefaultTimeout();

        Assert.Equal([0, 1, 2, 255], (await client.ReceiveAsync<ReceivedResponse>()).Message.ToArray());
    }

    [Fact]
    public async Task InjectErrorAsync_pushes_an_error_of_the_given_kind()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => emulator.InjectErrorAsync(ErrorKind.Other, "nobody listens"));
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await emulator.InjectErrorAsync(ErrorKind.Other, "gateway went away").DefaultTimeout();

        Assert.Equal(new ErrorResponse(ErrorKind.Other, "gateway went away"), await client.ReceiveAsync());
    }

    [Fact]
    public async Task InjectRawAsync_sends_exactly_the_given_bytes()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => emulator.InjectRawAsync(new byte[] { 1 }));
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await emulator.InjectRawAsync(new byte[] { 0x42, 0x00, 0x99 }).DefaultTimeout();
        await emulator.InjectRawAsync("{not json"u8.ToArray(), WebSocketMessageType.Text).DefaultTimeout();

        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal([0x42, 0x00, 0x99], data);
        (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.Equal("{not json"u8.ToArray(), data);
    }
}
