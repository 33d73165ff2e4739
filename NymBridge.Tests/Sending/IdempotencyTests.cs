using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NymBridge.Api.Sending;

namespace NymBridge.Tests.Sending;

public class IdempotencyTests
{
    private const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    [Fact]
    public async Task The_same_key_twice_in_a_row_writes_one_frame_and_returns_the_same_result()
    {
        await using var host = await BridgeHost.StartAsync();

        var first = await SendAsync(host, "key-1", new { recipient = Address, message = "once", connectionId = 5 });
        var second = await SendAsync(host, "key-1", new { recipient = Address, message = "once", connectionId = 5 });
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        var marker = await SendAsync(host, null, new { recipient = Address, message = "marker" });
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00 && f.Data.AsSpan().EndsWith("marker"u8), TestTimeout.Default);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        Assert.Equal(1, host.SentFrames().Count(f => f.Data.AsSpan().EndsWith("once"u8)));
    }

    [Fact]
    public async Task The_same_key_concurrently_writes_one_frame_and_every_caller_gets_the_same_result()
    {
        await using var host = await BridgeHost.StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => SendAsync(host, "key-concurrent", new { recipient = Address, message = "together" })));
        var marker = await SendAsync(host, null, new { recipient = Address, message = "marker" });
        await host.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().EndsWith("marker"u8), TestTimeout.Default);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        Assert.Equal(1, host.SentFrames().Count(f => f.Data.AsSpan().EndsWith("together"u8)));
    }

    [Fact]
    public async Task The_same_key_with_a_different_request_is_422_and_sends_nothing()
    {
        await using var host = await BridgeHost.StartAsync();

        var first = await SendAsync(host, "key-2", new { recipient = Address, message = "a" });
        var other = await SendAsync(host, "key-2", new { recipient = Address, message = "b" });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        await host.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().EndsWith("a"u8), TestTimeout.Default);
        Assert.DoesNotContain(host.SentFrames(), f => f.Data.AsSpan().EndsWith("b"u8));
    }

    [Fact]
    public async Task A_send_that_failed_can_be_retried_with_the_same_key()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.Emulator.StopAsync();
        await host.WaitUntilDisconnectedAsync();

        var failed = await SendAsync(host, "key-3", new { recipient = Address, message = "retry me" });
        await host.Emulator.StartAsync();
        await host.WaitUntilReadyAsync();
        var retried = await SendAsync(host, "key-3", new { recipient = Address, message = "retry me" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_malformed_key_is_400()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await SendAsync(host, new string('k', 300), new { recipient = Address, message = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task A_key_is_forgotten_after_its_lifetime_and_the_same_key_sends_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await BridgeHost.StartAsync(configure: builder => builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(time)));
        var body = new { recipient = Address, message = "expiring" };

        var first = await SendAsync(host, "key-expiry", body);
        time.Advance(IdempotencyStore.Lifetime - TimeSpan.FromSeconds(1));
        var remembered = await SendAsync(host, "key-expiry", body);
        time.Advance(TimeSpan.FromSeconds(1));
        var forgotten = await SendAsync(host, "key-expiry", body);
        await Eventually.WaitUntilAsync(() => host.SentFrames().Count(f => f.Data.AsSpan().EndsWith("expiring"u8)) == 2, "the second send arrives");
        var marker = await SendAsync(host, null, new { recipient = Address, message = "marker" });
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00 && f.Data.AsSpan().EndsWith("marker"u8), TestTimeout.Default);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, remembered.StatusCode);
        Assert.True(remembered.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Accepted, forgotten.StatusCode);
        Assert.False(forgotten.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        Assert.Equal(2, host.SentFrames().Count(f => f.Data.AsSpan().EndsWith("expiring"u8)));
    }

    private static Task<HttpResponseMessage> SendAsync(BridgeHost host, string? key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/send") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return host.Client.SendAsync(request);
    }
}
