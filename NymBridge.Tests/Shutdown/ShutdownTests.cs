using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NymBridge.Api.Shutdown;

namespace NymBridge.Tests.Shutdown;

/// <summary>
/// What a stop (SIGTERM, Ctrl+C: <see cref="IHostApplicationLifetime.StopApplication"/>) does to the callers
/// that are there when it begins. Under WebApplicationFactory, StopApplication ends Program's <c>app.Run()</c>,
/// so it stops the whole app as SIGTERM does; tests of what a request meets in the moment between the
/// stop's start and the server's drain call the participants directly (<see cref="BeginShutdown"/>).
/// The full stop of the real program is in ShutdownProcessTests.
/// </summary>
public class ShutdownTests
{
    private const string Recipient = "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    [Fact]
    public async Task Once_stopping_a_send_is_refused_with_503_Retry_After_and_a_detail_that_says_why_and_nothing_is_written()
    {
        await using var host = await BridgeHost.StartAsync();

        BeginShutdown(host);
        var response = await host.PostJsonAsync("/send", new { recipient = Recipient, message = "too late" }).DefaultTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("The bridge is shutting down.", problem.GetProperty("title").GetString());
        Assert.Contains("shutting down", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.SentFrames());
    }

    [Fact]
    public async Task A_waiting_long_poll_returns_at_once_with_an_empty_list()
    {
        await using var host = await BridgeHost.StartAsync();
        var poll = host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=60");
        await host.Client.GetAsync("/health/live").DefaultTimeout(); // by now the poll is waiting, normally

        // Not StopApplication: under WebApplicationFactory it disposes the app too, and a poll that had not
        // reached the endpoint yet would meet a disposed host (in the real program the server stops first).
        BeginShutdown(host);
        var page = await poll.DefaultTimeout();

        Assert.Equal(0, page.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task A_long_poll_during_the_stop_returns_the_events_there_are_and_takes_them()
    {
        await using var host = await BridgeHost.StartAsync();
        await host.Emulator.InjectReceivedAsync("before the stop"u8.ToArray());
        await host.WaitForCommittedAsync(1);

        BeginShutdown(host);
        var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=60&max=10").DefaultTimeout();
        var again = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=60").DefaultTimeout();

        Assert.Equal("before the stop", Assert.Single(page.GetProperty("messages").EnumerateArray()).GetProperty("message").GetString());
        Assert.Equal(0, again.GetProperty("messages").GetArrayLength());
    }

    [Fact]
    public async Task An_event_stream_ends_after_what_it_had_to_send()
    {
        await using var host = await BridgeHost.StartAsync();
        using var response = await host.Client.GetAsync("/messages/stream", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        await reader.NextAsync().DefaultTimeout(); // the opening notice: the stream is subscribed
        await host.Emulator.InjectReceivedAsync("live"u8.ToArray());
        var live = await reader.NextAsync().DefaultTimeout();

        BeginShutdown(host);

        Assert.Equal("live", live.Data.GetProperty("message").GetString());
        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.NextAsync().DefaultTimeout());
    }

    [Fact]
    public async Task A_SignalR_client_is_closed()
    {
        await using var host = await BridgeHost.StartOnKestrelAsync();
        await using var hub = await ConnectHubAsync(host);
        var closed = ClosedSignal(hub);

        StopApplication(host);

        await closed.DefaultTimeout();
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }

    [Fact]
    public async Task The_host_stops_within_the_timeout_although_long_polls_and_streams_were_waiting()
    {
        var host = await BridgeHost.StartOnKestrelAsync(new Dictionary<string, string?> { ["Bridge:ShutdownTimeout"] = "00:00:20" });
        await using var disposeHost = host;
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TestTimeout.Default };
        var polls = Enumerable.Range(0, 5).Select(_ => client.GetAsync("/messages?wait=60")).ToList();
        using var stream = await client.GetAsync("/messages/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await stream.Content.ReadAsStreamAsync());
        await reader.NextAsync().DefaultTimeout();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await host.Factory.Services.GetRequiredService<IHost>().StopAsync().DefaultTimeout();

        // Well within the 20 s timeout: nothing waited for the long-polls' 60 s or for the stream.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the stop took {clock.Elapsed}");
        foreach (var poll in polls)
        {
            Assert.Equal(HttpStatusCode.OK, (await poll.DefaultTimeout()).StatusCode);
        }

        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.NextAsync().DefaultTimeout());
    }

    [Fact]
    public async Task Bridge_ShutdownTimeout_sets_the_hosts_shutdown_timeout_and_defaults_to_ten_seconds()
    {
        await using var configured = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:ShutdownTimeout"] = "00:00:03" });
        await using var defaulted = await BridgeHost.StartAsync();

        Assert.Equal(TimeSpan.FromSeconds(3), configured.Factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), defaulted.Factory.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public async Task A_shutdown_timeout_that_is_not_positive_refuses_to_start_and_names_the_key(string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:ShutdownTimeout"] = value }));

        Assert.Contains("Bridge:ShutdownTimeout must be positive", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>What <c>ApplicationStopping</c> triggers, without the server stopping right after.</summary>
    private static void BeginShutdown(BridgeHost host)
    {
        foreach (var participant in host.Factory.Services.GetServices<IShutdownParticipant>())
        {
            participant.OnShutdownStarted();
        }
    }

    private static void StopApplication(BridgeHost host) =>
        host.Factory.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

    private static Task ClosedSignal(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    private static async Task<HubConnection> ConnectHubAsync(BridgeHost host)
    {
        var connection = host.CreateHubConnection();
        await connection.StartAsync().DefaultTimeout();
        return connection;
    }
}
