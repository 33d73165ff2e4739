using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NymBridge.Tests.Connections;

public class ConnectionAndStatusEndpointTests
{
    [Fact]
    public async Task SelfAddress_is_the_address_nym_client_reports()
    {
        await using var host = await BridgeHost.StartAsync();

        var result = await host.Client.GetFromJsonAsync<JsonElement>("/self-address");

        Assert.Equal(host.Emulator.Address.ToString(), result.GetProperty("address").GetString());
    }

    [Fact]
    public async Task QueueLength_asks_nym_client_for_the_lane()
    {
        await using var host = await BridgeHost.StartAsync(emulatorOptions: new() { QueueLengthReport = 11 });

        var result = await host.Client.GetFromJsonAsync<JsonElement>("/connections/77/queue-length");

        Assert.Equal(77UL, result.GetProperty("lane").GetUInt64());
        Assert.Equal(11UL, result.GetProperty("queueLength").GetUInt64());
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x05, TestTimeout.Default);
        Assert.Equal(WireFrames.GetLaneQueueLength(77), frame.Data);
    }

    [Fact]
    public async Task Concurrent_queue_length_questions_each_get_their_own_lane()
    {
        await using var host = await BridgeHost.StartAsync();

        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => host.Client.GetFromJsonAsync<JsonElement>($"/connections/{i}/queue-length")));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (ulong)i), answers.Select(a => a.GetProperty("lane").GetUInt64()));
    }

    [Fact]
    public async Task Close_writes_ClosedConnection_and_returns_202()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.Client.PostAsync("/connections/18446744073709551615/close", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var frame = await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x04, TestTimeout.Default);
        Assert.Equal(WireFrames.ClosedConnection(ulong.MaxValue), frame.Data);
    }

    [Fact]
    public async Task Status_and_health_report_the_connection()
    {
        await using var host = await BridgeHost.StartAsync();

        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        var live = await host.Client.GetAsync("/health/live");
        var ready = await host.Client.GetAsync("/health/ready");

        var nym = status.GetProperty("nymClient");
        Assert.True(nym.GetProperty("connected").GetBoolean());
        Assert.Equal(host.Emulator.Url.ToString(), nym.GetProperty("clientUrl").GetString());
        Assert.Equal(host.Emulator.Address.ToString(), nym.GetProperty("selfAddress").GetString());
        Assert.Equal(0, nym.GetProperty("reconnects").GetInt64());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Unknown_paths_are_problem_json_404()
    {
        await using var host = await BridgeHost.StartAsync();

        var response = await host.Client.GetAsync("/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
    }
}
