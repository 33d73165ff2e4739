using NymBridge.Emulator;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>Binary requests and nym-client's direct answers to them.</summary>
public class RequestTests
{
    private static readonly NymAddress Elsewhere = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    [Fact]
    public async Task SelfAddress_is_a_valid_address_equal_to_Address()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(SelfAddressRequest.Instance);
        var response = await client.ReceiveAsync<SelfAddressResponse>();

        Assert.Equal(emulator.Address, response.Address);
        Assert.True(NymAddress.TryParse(response.Address.ToString(), out _, out var error), error);
        Assert.True(Ed25519Point.IsValid(response.Address.Identity));
        Assert.True(Ed25519Point.IsValid(response.Address.Gateway));
    }

    [Fact]
    public async Task Each_emulator_generates_its_own_address()
    {
        await using var first = new NymClientEmulator();
        await using var second = new NymClientEmulator();

        Assert.NotEqual(first.Address, second.Address);
    }

    [Fact]
    public async Task Sends_are_answered_with_LaneQueueLength_only_when_they_name_a_connection()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { QueueLengthReport = 7 });
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new SendRequest(Elsewhere, "a"u8.ToArray()));
        await client.SendAsync(new SendAnonymousRequest(Elsewhere, "b"u8.ToArray(), 5));
        await client.SendAsync(new ReplyRequest(SenderTag.FromBytes(new byte[16]), "c"u8.ToArray()));
        await client.AssertNothingPendingAsync();

        await client.SendAsync(new SendRequest(Elsewhere, "d"u8.ToArray(), ConnectionId: 42));
        Assert.Equal(new LaneQueueLengthResponse(42, 7), await client.ReceiveAsync());
        await client.SendAsync(new SendAnonymousRequest(Elsewhere, "e"u8.ToArray(), 5, ConnectionId: 43));
        Assert.Equal(new LaneQueueLengthResponse(43, 7), await client.ReceiveAsync());
        await client.SendAsync(new ReplyRequest(SenderTag.FromBytes(new byte[16]), "f"u8.ToArray(), ConnectionId: 44));
        Assert.Equal(new LaneQueueLengthResponse(44, 7), await client.ReceiveAsync());
    }

    [Fact]
    public async Task GetLaneQueueLength_reports_the_lane_asked_for()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { QueueLengthReport = 3 });
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new GetLaneQueueLengthRequest(9));

        Assert.Equal(new LaneQueueLengthResponse(9, 3), await client.ReceiveAsync());
    }

    [Fact]
    public async Task ClosedConnection_is_not_answered()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new ClosedConnectionRequest(42));

        await client.AssertNothingPendingAsync();
        var recorded = await emulator.WaitForFrameAsync(f => f.Data.Length > 0 && f.Data[0] == (byte)RequestTag.ClosedConnection, TestTimeout.Default);
        Assert.Equal(9, recorded.Data.Length);
    }

    [Theory]
    [InlineData(new byte[0], ErrorKind.EmptyRequest)]
    [InlineData(new byte[] { 0x00, 1, 2 }, ErrorKind.TooShortRequest)]
    [InlineData(new byte[] { 0x09 }, ErrorKind.UnknownRequest)]
    [InlineData(new byte[] { 0x04, 0, 0, 0 }, ErrorKind.MalformedRequest)]
    [InlineData(new byte[] { 0x05, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF }, ErrorKind.MalformedRequest)]
    public async Task Malformed_binary_requests_are_answered_with_a_binary_error(byte[] frame, ErrorKind kind)
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendRawAsync(frame);

        var (type, data) = await client.ReceiveMessageAsync();
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Binary, type);
        var error = Assert.IsType<ErrorResponse>(ResponseCodec.Decode(data));
        Assert.Equal(kind, error.Kind);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public async Task A_send_whose_declared_length_disagrees_or_whose_recipient_is_not_a_key_is_malformed()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        var frame = RequestCodec.Encode(new SendRequest(Elsewhere, "hello"u8.ToArray()));

        await client.SendRawAsync(frame.AsMemory(0, frame.Length - 1));
        Assert.Equal(ErrorKind.MalformedRequest, (await client.ReceiveAsync<ErrorResponse>()).Kind);

        NotACurvePoint().CopyTo(frame, 1);
        await client.SendRawAsync(frame);
        var error = await client.ReceiveAsync<ErrorResponse>();
        Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        Assert.Contains("recipient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_and_answers_keep_their_order_and_every_frame_is_recorded()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        for (ulong lane = 1; lane <= 20; lane++)
        {
            await client.SendAsync(new GetLaneQueueLengthRequest(lane));
        }

        for (ulong lane = 1; lane <= 20; lane++)
        {
            Assert.Equal(lane, (await client.ReceiveAsync<LaneQueueLengthResponse>()).Lane);
        }

        var frames = emulator.ReceivedFrames;
        Assert.Equal(20, frames.Count);
        Assert.All(frames, f => Assert.Equal(1, f.FrameCount));
        Assert.Equal(RequestCodec.Encode(new GetLaneQueueLengthRequest(20)), frames[^1].Data);
    }

    /// <summary>32 equal bytes that do not decompress as an Ed25519 point (about half of all values do not).</summary>
    private static byte[] NotACurvePoint()
    {
        var key = new byte[32];
        for (var b = 1; Ed25519Point.IsValid(key); b++)
        {
            Array.Fill(key, (byte)b);
        }

        return key;
    }
}
