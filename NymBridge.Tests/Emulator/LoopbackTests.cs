using NymBridge.Emulator;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>The emulated mixnet: what is sent to the emulator's own address comes back, the rest is discarded.</summary>
public class LoopbackTests
{
    private static readonly NymAddress Elsewhere = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    [Fact]
    public async Task Send_to_self_comes_back_without_a_sender_tag()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new SendRequest(emulator.Address, "hello"u8.ToArray()));

        var received = await client.ReceiveAsync<ReceivedResponse>();
        Assert.Equal("hello"u8.ToArray(), received.Message.ToArray());
        Assert.Null(received.SenderTag);
    }

    [Fact]
    public async Task Send_to_self_with_a_connection_id_answers_the_lane_then_delivers()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new SendRequest(emulator.Address, new byte[] { 1, 2, 3 }, ConnectionId: 5));

        Assert.Equal(new LaneQueueLengthResponse(5, 0), await client.ReceiveAsync());
        Assert.Equal([1, 2, 3], (await client.ReceiveAsync<ReceivedResponse>()).Message.ToArray());
    }

    [Fact]
    public async Task SendAnonymous_to_self_carries_the_same_tag_every_time()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new SendAnonymousRequest(emulator.Address, "one"u8.ToArray(), 10));
        var first = await client.ReceiveAsync<ReceivedResponse>();
        await client.SendAsync(new SendAnonymousRequest(emulator.Address, "two"u8.ToArray(), 0));
        var second = await client.ReceiveAsync<ReceivedResponse>();

        Assert.Equal("one"u8.ToArray(), first.Message.ToArray());
        Assert.Equal("two"u8.ToArray(), second.Message.ToArray());
        Assert.NotNull(first.SenderTag);
        Assert.Equal(first.SenderTag, second.SenderTag);
    }

    [Fact]
    public async Task Reply_to_an_issued_tag_comes_back_without_a_tag()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await client.SendAsync(new SendAnonymousRequest(emulator.Address, "question"u8.ToArray(), 1));
        var tag = (await client.ReceiveAsync<ReceivedResponse>()).SenderTag!.Value;

        await client.SendAsync(new ReplyRequest(tag, "answer"u8.ToArray()));

        var reply = await client.ReceiveAsync<ReceivedResponse>();
        Assert.Equal("answer"u8.ToArray(), reply.Message.ToArray());
        Assert.Null(reply.SenderTag);
    }

    [Fact]
    public async Task Sends_elsewhere_and_replies_to_unknown_tags_are_recorded_and_discarded()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        var send = new SendRequest(Elsewhere, "to someone else"u8.ToArray());
        var anonymous = new SendAnonymousRequest(Elsewhere, "anonymously"u8.ToArray(), 3);
        var reply = new ReplyRequest(SenderTag.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()), "to a stranger"u8.ToArray());

        await client.SendAsync(send);
        await client.SendAsync(anonymous);
        await client.SendAsync(reply);

        await client.AssertNothingPendingAsync();
        var frames = emulator.ReceivedFrames;
        Assert.Equal(RequestCodec.Encode(send), frames[0].Data);
        Assert.Equal(RequestCodec.Encode(anonymous), frames[1].Data);
        Assert.Equal(RequestCodec.Encode(reply), frames[2].Data);
        var decoded = Assert.IsType<SendRequest>(RequestCodec.Decode(frames[0].Data));
        Assert.Equal(Elsewhere, decoded.Recipient);
    }

    [Fact]
    public async Task WaitForFrameAsync_finds_earlier_frames_and_waits_for_later_ones()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);
        await client.SendAsync(new SendRequest(Elsewhere, "early"u8.ToArray()));
        await client.AssertNothingPendingAsync();

        var late = emulator.WaitForFrameAsync(f => f.Text.EndsWith("late", StringComparison.Ordinal), TestTimeout.Default);
        var early = await emulator.WaitForFrameAsync(f => f.Text.EndsWith("early", StringComparison.Ordinal), TestTimeout.Default);
        Assert.False(late.IsCompleted);
        await client.SendAsync(new SendRequest(Elsewhere, "late"u8.ToArray()));

        Assert.EndsWith("late", (await late).Text, StringComparison.Ordinal);
        Assert.True(early.ReceivedAt <= DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<TimeoutException>(() => emulator.WaitForFrameAsync(f => f.Text == "never", TimeSpan.FromMilliseconds(50)));

        emulator.ClearRecordedFrames();
        Assert.Empty(emulator.ReceivedFrames);
    }

    [Fact]
    public async Task Discard_mode_loops_back_but_records_nothing()
    {
        await using var emulator = await TestEmulator.StartAsync(new EmulatorOptions { RecordFrames = false });
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url);

        await client.SendAsync(new SendRequest(emulator.Address, "x"u8.ToArray()));

        await client.ReceiveAsync<ReceivedResponse>();
        Assert.Empty(emulator.ReceivedFrames);
        await Assert.ThrowsAsync<InvalidOperationException>(() => emulator.WaitForFrameAsync(null, TestTimeout.Default));
    }
}
