using System.Net.WebSockets;
using NymBridge.Emulator;
using NymBridge.Protocol;

namespace NymBridge.Tests.Emulator;

/// <summary>tungstenite's limits as nym-client has them: frames up to 16 MiB, messages up to 64 MiB.</summary>
/// <remarks>One class, so these tests, which move tens of MiB, run one after another.</remarks>
public class LargeMessageTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task A_20_MiB_message_sent_in_4_MiB_frames_arrives_intact_and_comes_back()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url, TestTimeout.Default);
        var payload = new byte[20 * MiB];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)(i % 251); // a prime period, so a frame out of place would show
        }

        var request = RequestCodec.Encode(new SendRequest(emulator.Address, payload));

        await client.SendInFramesAsync(request, 4 * MiB);

        var recorded = await emulator.WaitForFrameAsync(null, TestTimeout.Default);
        Assert.Equal(request.Length, recorded.Data.Length);
        Assert.True(request.AsSpan().SequenceEqual(recorded.Data));
        Assert.Equal((request.Length + 4 * MiB - 1) / (4 * MiB), recorded.FrameCount);
        Assert.Equal(4 * MiB, emulator.MaxFrameBytesSeen);

        var received = await client.ReceiveAsync<ReceivedResponse>();
        Assert.True(payload.AsSpan().SequenceEqual(received.Message.Span));
    }

    [Fact]
    public async Task A_single_frame_of_exactly_16_MiB_is_accepted()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url, TestTimeout.Default);
        var header = RequestCodec.GetHeaderLength(new SendRequest(emulator.Address, ReadOnlyMemory<byte>.Empty));
        var request = RequestCodec.Encode(new SendRequest(emulator.Address, new byte[16 * MiB - header]));

        await client.SendRawAsync(request);

        Assert.Equal(16 * MiB - header, (await client.ReceiveAsync<ReceivedResponse>()).Message.Length);
        Assert.Equal(16 * MiB, emulator.MaxFrameBytesSeen);
        Assert.Equal(1, Assert.Single(emulator.ReceivedFrames).FrameCount);
    }

    [Fact]
    public async Task A_single_frame_over_16_MiB_drops_the_connection()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url, TestTimeout.Default);
        await emulator.WaitForClientAsync(TestTimeout.Default);

        await SendIgnoringDropAsync(client, new byte[16 * MiB + 1], endOfMessage: true);

        await client.AssertDroppedAsync();
        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
        Assert.Empty(emulator.ReceivedFrames);
        Assert.Equal(16 * MiB + 1, emulator.MaxFrameBytesSeen);
    }

    [Fact]
    public async Task A_message_over_64_MiB_drops_the_connection()
    {
        await using var emulator = await TestEmulator.StartAsync();
        await using var client = await EmulatorClient.ConnectAsync(emulator.Url, TestTimeout.Default);
        await emulator.WaitForClientAsync(TestTimeout.Default);
        var frame = new byte[8 * MiB];

        for (var i = 0; i < 8; i++)
        {
            await client.SendRawAsync(frame, endOfMessage: false);
        }

        await SendIgnoringDropAsync(client, new byte[1], endOfMessage: true);

        await client.AssertDroppedAsync(TestTimeout.Default);
        await emulator.WaitForDisconnectAsync(TestTimeout.Default);
        Assert.Empty(emulator.ReceivedFrames);
    }

    // The emulator may drop the connection while the frame is still being written.
    private static async Task SendIgnoringDropAsync(EmulatorClient client, byte[] data, bool endOfMessage)
    {
        try
        {
            await client.SendRawAsync(data, endOfMessage: endOfMessage, timeout: TestTimeout.Default);
        }
        catch (WebSocketException)
        {
        }
    }
}
