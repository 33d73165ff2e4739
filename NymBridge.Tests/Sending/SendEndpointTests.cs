using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NymBridge.Protocol;

namespace NymBridge.Tests.Sending;

public class SendEndpointTests
{
    private static readonly NymAddress Other = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    [Fact]
    public async Task Send_with_text_message_writes_the_exact_frame_and_returns_202()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.PostJsonAsync("/send", new { recipient = Other.ToString(), message = "héllo 🌍" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var payload = Encoding.UTF8.GetBytes("héllo 🌍");
        Assert.Equal(payload.Length, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bytes").GetInt32());
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal(WireFrames.Send(Other, 0, payload), frame.Data);
    }

    [Fact]
    public async Task Send_with_messageBase64_carries_arbitrary_bytes()
    {
        await using var host = await BridgeHost.StartAsync();
        byte[] payload = [0x00, 0xFF, 0xC3, 0x28, 0x80];

        var response = await host.PostJsonAsync("/send", new { recipient = Other.ToString(), messageBase64 = Convert.ToBase64String(payload) });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal(WireFrames.Send(Other, 0, payload), frame.Data);
    }

    [Fact]
    public async Task Send_with_a_json_object_sends_its_compact_json_text()
    {
        await using var host = await BridgeHost.StartAsync();
        var body = $$"""{ "recipient": "{{Other}}", "message": { "text" : "hi ✓", "n": [1, 2,  3], "ok": true } }""";

        var response = await host.Client.PostAsync("/send", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal(WireFrames.Send(Other, 0, Encoding.UTF8.GetBytes("""{"text":"hi ✓","n":[1,2,3],"ok":true}""")), frame.Data);
    }

    [Fact]
    public async Task Send_with_connection_id_returns_200_with_the_lane_queue_length()
    {
        await using var host = await BridgeHost.StartAsync(emulatorOptions: new() { QueueLengthReport = 3 });

        var response = await host.PostJsonAsync("/send", new { recipient = Other.ToString(), message = "x", connectionId = ulong.MaxValue });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, result.GetProperty("bytes").GetInt32());
        Assert.Equal(ulong.MaxValue, result.GetProperty("lane").GetUInt64());
        Assert.Equal(3UL, result.GetProperty("queueLength").GetUInt64());
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal(WireFrames.Send(Other, ulong.MaxValue, "x"u8.ToArray()), frame.Data);
    }

    [Fact]
    public async Task Send_as_octet_stream_takes_the_body_as_payload_and_fields_from_the_query()
    {
        await using var host = await BridgeHost.StartAsync();
        byte[] payload = [1, 2, 3, 0, 255];

        var response = await host.Client.PostAsync($"/send?recipient={Uri.EscapeDataString(Other.ToString())}&connectionId=42", Bytes(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal(WireFrames.Send(Other, 42, payload), frame.Data);
    }

    [Fact]
    public async Task SendAnonymous_defaults_to_20_reply_surbs()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.PostJsonAsync("/send-anonymous", new { recipient = Other.ToString(), message = "hi" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x01, TestTimeout.Default);
        Assert.Equal(WireFrames.SendAnonymous(Other, 20, 0, "hi"u8.ToArray()), frame.Data);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1000u)]
    public async Task SendAnonymous_takes_reply_surbs_from_zero_to_the_maximum(uint surbs)
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.PostJsonAsync("/send-anonymous", new { recipient = Other.ToString(), messageBase64 = "AAE=", replySurbs = surbs });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x01, TestTimeout.Default);
        Assert.Equal(WireFrames.SendAnonymous(Other, surbs, 0, [0, 1]), frame.Data);
    }

    [Fact]
    public async Task SendAnonymous_as_octet_stream()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.Client.PostAsync($"/send-anonymous?recipient={Uri.EscapeDataString(Other.ToString())}&replySurbs=5", Bytes([9, 8, 7]));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x01, TestTimeout.Default);
        Assert.Equal(WireFrames.SendAnonymous(Other, 5, 0, [9, 8, 7]), frame.Data);
    }

    [Fact]
    public async Task Reply_writes_the_sender_tag_frame_in_json_and_octet_stream()
    {
        await using var host = await BridgeHost.StartAsync();
        var tag = SenderTag.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());

        var json = await host.PostJsonAsync("/reply", new { senderTag = tag.ToString(), message = "thanks", connectionId = 9 });
        var raw = await host.Client.PostAsync($"/reply?senderTag={tag}", Bytes([0xAB]));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, raw.StatusCode);
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x02 && f.Data[^1] == 0xAB, TestTimeout.Default);
        var frames = host.SentFrames().Where(f => f.Data[0] == 0x02).Select(f => f.Data).ToList();
        Assert.Equal([WireFrames.Reply(tag, 9, "thanks"u8.ToArray()), WireFrames.Reply(tag, 0, [0xAB])], frames);
    }

    [Fact]
    public async Task A_20_MiB_payload_arrives_intact_in_several_frames_none_over_16_MiB()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:MaxMessageBytes"] = "33554432" });
        var payload = new byte[20 * 1024 * 1024];
        new Random(7).NextBytes(payload);

        var response = await host.Client.PostAsync($"/send?recipient={Uri.EscapeDataString(Other.ToString())}", Bytes(payload));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.True(frame.Data.AsSpan().SequenceEqual(WireFrames.Send(Other, 0, payload)));
        Assert.True(frame.FrameCount > 1, $"expected several frames, got {frame.FrameCount}");
        Assert.InRange(host.Emulator.MaxFrameBytesSeen, 1, 16 * 1024 * 1024);
    }

    private static ByteArrayContent Bytes(byte[] payload)
    {
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
