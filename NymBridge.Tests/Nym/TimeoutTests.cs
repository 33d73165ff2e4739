using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace NymBridge.Tests.Nym;

/// <summary>
/// nym-client's timeouts run on the bridge's <see cref="TimeProvider"/>: each is set to its most, five minutes,
/// which only the fake clock reaches while the test runs.
/// </summary>
public class TimeoutTests
{
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_queue_length_answer_that_never_comes_is_503_after_Nym_ResponseTimeout_of_fake_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await StartAsync(time, "Nym:ResponseTimeout");
        var sent = host.Nym.GetStatus().FramesSent;
        host.Emulator.SetUnresponsive(true);

        var answer = host.Client.GetAsync("/connections/7/queue-length");
        // Once the frame is written only the wait for nym-client's answer is left, and only the clock ends it.
        await Eventually.WaitUntilAsync(() => host.Nym.GetStatus().FramesSent > sent, "the question is written");
        Assert.False(answer.IsCompleted);
        await Eventually.WaitUntilAsync(() =>
        {
            time.Advance(Longest);
            return answer.IsCompleted;
        }, "the answer gives up on the fake clock");
        var response = await answer.DefaultTimeout();
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        // Answering again lets the bridge close the connection gracefully when the test ends.
        host.Emulator.SetUnresponsive(false);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("nym-client did not report the queue length of lane 7 within 300 s.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_handshake_that_never_comes_fails_the_connect_after_Nym_ConnectTimeout_of_fake_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await StartAsync(time, "Nym:ConnectTimeout");
        host.Emulator.SetUnresponsive(true);
        await host.Emulator.DropConnectionAsync();
        await host.WaitUntilDisconnectedAsync();

        // Each step ends the reconnect delay and, once the bridge waits for the handshake, the connect timeout.
        await Eventually.WaitUntilAsync(() =>
        {
            time.Advance(Longest);
            return host.Nym.GetStatus().LastError?.Contains("no websocket handshake within 300 s", StringComparison.Ordinal) == true;
        }, "the connect attempt gives up on the fake clock");

        host.Emulator.SetUnresponsive(false);
        await Eventually.WaitUntilAsync(() =>
        {
            time.Advance(TimeSpan.FromMinutes(1));
            return host.Nym.GetStatus().Connected;
        }, "the bridge connects again");
    }

    private static Task<BridgeHost> StartAsync(FakeTimeProvider time, string timeout) =>
        BridgeHost.StartAsync(
            new Dictionary<string, string?> { [timeout] = Longest.ToString() },
            configure: builder => builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(time)));
}
