using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NymBridge.Api.Nym;
using NymBridge.Emulator;
using NymBridge.Protocol;
using NymBridge.Tests.Emulator;

namespace NymBridge.Tests.Nym;

/// <summary>The connection holds nym-client's socket only during its turn, and gives it up without losing a frame.</summary>
public class ConnectionGateTests
{
    private const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    [Fact]
    public async Task A_gate_that_opens_late_keeps_the_bridge_off_nym_client_until_it_opens()
    {
        await using var emulator = await TestEmulator.StartAsync();
        using var gate = new TestConnectionGate();
        var starting = StartAsync(emulator, gate);
        await gate.Asked.DefaultTimeout();

        // The reconnect delay is 50 ms: without the gate it would have connected many times over by now.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, emulator.ConnectionsAccepted);
        Assert.False(starting.IsCompleted);

        gate.Open();
        await using var host = await starting.DefaultTimeout();
        Assert.Equal(1, emulator.ConnectionsAccepted);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = Address, message = "after" })).StatusCode);
    }

    [Fact]
    public async Task A_gate_that_closes_mid_stream_half_closes_keeps_every_written_message_refuses_sends_and_reconnects_when_it_opens()
    {
        const int Count = 2000;
        using var emulatorLog = new CapturingLoggerProvider(LogLevel.Debug);
        using var loggers = LoggerFactory.Create(b => b.AddProvider(emulatorLog).SetMinimumLevel(LogLevel.Debug));
        await using var emulator = new NymClientEmulator(null, loggers);
        await emulator.StartAsync().DefaultTimeout();
        using var gate = new TestConnectionGate();
        gate.Open();
        await using var host = await StartAsync(emulator, gate).DefaultTimeout();

        var closedAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var injector = Task.Run(async () =>
        {
            for (var i = 0; i < Count; i++)
            {
                await emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes($"m{i}")).DefaultTimeout();
                if (i == Count / 10)
                {
                    closedAfter.TrySetResult();
                }
            }
        });
        await closedAfter.Task.DefaultTimeout();
        gate.Close();
        await emulator.WaitForDisconnectAsync(TestTimeout.Default).DefaultTimeout();
        await injector.DefaultTimeout();
        await host.WaitUntilDisconnectedAsync();

        // Whatever the emulator did not hold for the next connection, it wrote, and the bridge appended before it let go.
        var held = emulator.HeldMessages;
        var before = await ReplayAsync(host);
        // Usually some are held; on a fast run the injector can finish before the close lands, and then none are.
        Assert.InRange(held, 0, Count - Count / 10 - 1);
        Assert.Equal(Enumerable.Range(0, Count - held).Select(i => $"m{i}"), before);
        // A Close frame, not an abort: the emulator's receive loop ended on it instead of failing.
        Assert.Contains(emulatorLog.Lines, l => l.Contains("Client disconnected", StringComparison.Ordinal));
        Assert.DoesNotContain(emulatorLog.Lines, l => l.Contains("The connection ended", StringComparison.Ordinal));

        var frames = Sent(emulator).Count;
        var refused = await host.PostJsonAsync("/send", new { recipient = Address, message = "while not leading" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(frames, Sent(emulator).Count);
        var status = await host.Client.GetFromJsonAsync<JsonElement>("/status");
        Assert.Equal("gave up the connection: no longer the leader", status.GetProperty("nymClient").GetProperty("lastError").GetString());
        Assert.Equal(1, emulator.ConnectionsAccepted);

        gate.Open();
        await host.WaitUntilReadyAsync();
        await host.WaitForCommittedAsync(Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m{i}"), await ReplayAsync(host));
        Assert.Equal(2, emulator.ConnectionsAccepted);
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = Address, message = "leading again" })).StatusCode);
        Assert.DoesNotContain(Sent(emulator), f => f.Text.Contains("while not leading", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sends_are_refused_with_503_the_moment_the_turn_ends_and_earlier_ones_still_reach_nym_client()
    {
        using var gate = new TestConnectionGate();
        gate.Open();
        await using var emulator = await TestEmulator.StartAsync();
        await using var host = await StartAsync(emulator, gate).DefaultTimeout();
        // nym-client stops reading: what was written waits in the socket, and so will the Close frame.
        emulator.SetUnresponsive(true);
        var written = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => host.PostJsonAsync("/send", new { recipient = Address, message = $"written {i}" }))).DefaultTimeout();

        gate.Close();
        var refused = await host.PostJsonAsync("/send", new { recipient = Address, message = "refused" }).DefaultTimeout();
        emulator.SetUnresponsive(false);
        await emulator.WaitForDisconnectAsync(TestTimeout.Default).DefaultTimeout();

        Assert.All(written, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("no longer leads", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var texts = Sent(emulator).Select(f => f.Text).ToList();
        Assert.All(Enumerable.Range(0, 5), i => Assert.Contains(texts, t => t.Contains($"written {i}", StringComparison.Ordinal)));
        Assert.DoesNotContain(texts, t => t.Contains("refused", StringComparison.Ordinal));
    }

    private static Task<BridgeHost> StartAsync(NymClientEmulator emulator, TestConnectionGate gate) =>
        BridgeHost.StartAsync(
            new Dictionary<string, string?> { ["Nym:ClientUrl"] = emulator.Url.ToString() },
            configure: builder => builder.ConfigureTestServices(services => services.AddSingleton<INymConnectionGate>(gate)));

    // The host's own emulator stays idle: the bridge was pointed at the test's.
    private static List<RecordedFrame> Sent(NymClientEmulator emulator) =>
        [.. emulator.ReceivedFrames.Where(f => !(f.Data.Length == 1 && f.Data[0] == (byte)RequestTag.SelfAddress))];

    private static async Task<List<string>> ReplayAsync(BridgeHost host)
    {
        var texts = new List<string>();
        for (long after = 0; ;)
        {
            var page = await host.Client.GetFromJsonAsync<JsonElement>($"/messages?after={after}&max=1000&wait=0").DefaultTimeout();
            var messages = page.GetProperty("messages").EnumerateArray().ToList();
            if (messages.Count == 0)
            {
                return texts;
            }

            texts.AddRange(messages.Select(m => m.GetProperty("message").GetString()!));
            after = page.GetProperty("cursor").GetInt64();
        }
    }
}
