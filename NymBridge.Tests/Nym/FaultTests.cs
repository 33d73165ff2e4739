using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NymBridge.Tests.Nym;

/// <summary>nym-client going away, coming back, dropping mid-stream or going silent.</summary>
public class FaultTests
{
    private const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    [Fact]
    public async Task With_nym_client_gone_sends_fail_fast_with_503_and_Retry_After_then_recover_by_themselves()
    {
        await using var host = await BridgeHost.StartAsync();
        // Warm the send path (JIT, JSON metadata) so the clock below measures the refusal, not first-call costs.
        await host.PostJsonAsync("/send", new { recipient = Address, message = "warm-up" });
        await host.Emulator.StopAsync();
        await host.WaitUntilDisconnectedAsync();

        var clock = Stopwatch.StartNew();
        var send = await host.PostJsonAsync("/send", new { recipient = Address, message = "x" });
        var elapsed = clock.Elapsed;
        var self = await host.Client.GetAsync("/self-address");
        var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, send.StatusCode);
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
        Assert.NotNull(send.Headers.RetryAfter);
        Assert.Equal("application/problem+json", send.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, self.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.NotNull(ready.Headers.RetryAfter);

        await host.Emulator.StartAsync();
        clock.Restart();
        await host.WaitUntilReadyAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"reconnect took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = Address, message = "again" })).StatusCode);
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal(1, status.GetProperty("nymClient").GetProperty("reconnects").GetInt64());
    }

    [Fact]
    public async Task A_connection_dropped_mid_stream_loses_no_later_send()
    {
        await using var host = await BridgeHost.StartAsync();
        var sender = Task.Run(async () =>
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 200; i++)
            {
                statuses.Add((await host.PostJsonAsync("/send", new { recipient = Address, message = $"m{i}" })).StatusCode);
            }

            return statuses;
        });
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        await host.Emulator.DropConnectionAsync();
        var statuses = await sender.DefaultTimeout();

        // Each send either went out (202) or was refused while reconnecting (503); none hangs or 500s.
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        await host.WaitUntilReadyAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = Address, message = "after" })).StatusCode);
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00 && f.Data.AsSpan().EndsWith("after"u8), TestTimeout.Default);
    }

    [Fact]
    public async Task A_nym_client_that_stops_answering_pings_is_treated_as_a_drop()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Nym:KeepAliveInterval"] = "00:00:00.200",
            ["Nym:KeepAliveTimeout"] = "00:00:00.500",
        });

        host.Emulator.SetUnresponsive(true);
        await host.WaitUntilDisconnectedAsync();
        host.Emulator.SetUnresponsive(false);
        await host.WaitUntilReadyAsync();

        Assert.True(host.Nym.GetStatus().Reconnects >= 1);
    }
}
