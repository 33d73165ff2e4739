using System.Net;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Nym;

/// <summary>Concurrent sends share socket writes; nym-client must still see one exact frame per send.</summary>
public class BatchedWriteTests
{
    private static readonly NymAddress Other = NymAddress.Parse(
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f");

    [Fact]
    public async Task Concurrent_sends_each_arrive_as_their_own_exact_frame()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.WaitUntilReadyAsync();

        // Sizes from tiny to past the batch buffer, so some frames share a write and some do not fit one.
        var payloads = Enumerable.Range(0, 300)
            .Select(i => Encoding.UTF8.GetBytes($"message {i:D3} ").Concat(Enumerable.Repeat((byte)'x', i % 50 == 0 ? 40_000 : i)).ToArray())
            .ToList();
        var responses = await Task.WhenAll(payloads.Select(p =>
            host.PostJsonAsync("/send", new { recipient = Other.ToString(), messageBase64 = Convert.ToBase64String(p) })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var expected = payloads.Select(p => Convert.ToHexString(WireFrames.Send(Other, 0, p))).Order().ToList();
        await Eventually.WaitUntilAsync(() => host.SentFrames().Count(f => f.Data[0] == 0x00) >= expected.Count, "every send reached the emulator");
        var sent = host.SentFrames().Where(f => f.Data[0] == 0x00).Select(f => Convert.ToHexString(f.Data)).Order().ToList();
        Assert.Equal(expected, sent);
        Assert.All(host.SentFrames(), f => Assert.Equal(1, f.FrameCount));
    }
}
