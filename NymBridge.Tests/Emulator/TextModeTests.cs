using System.Net.WebSockets;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>nym's JSON (text frame) protocol: answers in text, and pushes follow the last request's format.</summary>
public class TextModeTests
{
    [Fact]
    public async Task Text_requests_are_answered_in_text()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendTextAsync("""{"type":"selfAddress"}""");

        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.True(TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(data), out var response, out var error), error.ToString());
        Assert.Equal(emulator.Address, Assert.IsType<SelfAddressResponse>(response).Address);
    }

    [Fact]
    public async Task Malformed_text_requests_get_a_text_error()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendTextAsync("""{"type":"send","message":"hi","recipient":"71od3Z@FWYo"}""");
        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.True(TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(data), out var response, out _));
        Assert.Equal(ErrorKind.MalformedRequest, Assert.IsType<ErrorResponse>(response).Kind);

        await client.SendTextAsync("not json");
        Assert.Equal(ErrorKind.MalformedRequest, (await client.ReceiveAsync<ErrorResponse>()).Kind);
    }

    [Fact]
    public async Task After_a_text_request_Received_is_pushed_as_text_and_after_a_binary_one_as_binary()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendTextAsync(TextCodec.EncodeRequest(new SendAnonymousRequest(emulator.Address, "über"u8.ToArray(), 1)));
        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.True(TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(data), out var response, out _));
        var received = Assert.IsType<ReceivedResponse>(response);
        Assert.Equal("über", Encoding.UTF8.GetString(received.Message.Span));
        Assert.NotNull(received.SenderTag);

        await emulator.InjectReceivedAsync(new byte[] { 0xFF, (byte)'o', (byte)'k' }).DefaultTimeout();
        (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Text, type);
        Assert.True(TextCodec.TryDecodeResponse(Encoding.UTF8.GetString(data), out response, out _));
        Assert.Equal("\uFFFDok", Encoding.UTF8.GetString(Assert.IsType<ReceivedResponse>(response).Message.Span)); // lossy, as nym's from_utf8_lossy

        await client.SendAsync(new SendRequest(emulator.Address, new byte[] { 0xFF }));
        (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, type);
        Assert.Equal([0xFF], Assert.IsType<ReceivedResponse>(ResponseCodec.Decode(data)).Message.ToArray());
    }

    [Fact]
    public async Task A_text_connectionId_of_zero_names_lane_zero_as_in_nym()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        var other = NymAddress.Parse("CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

        await client.SendTextAsync($$"""{"type":"send","message":"m","recipient":"{{other}}","connectionId":0}""");

        Assert.Equal(new LaneQueueLengthResponse(0, 0), await client.ReceiveAsync());
        await client.SendTextAsync($$"""{"type":"send","message":"m","recipient":"{{other}}","connectionId":null}""");
        await client.AssertNothingPendingAsync(WebSocketMessageType.Text);
    }
}
