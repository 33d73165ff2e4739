using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NymBridge.Emulator;

namespace NymBridge.Tests.Hardening;

public class OutboundFaultTests
{
    [Fact]
    public async Task A_full_outbound_queue_answers_503_and_no_send_hangs_past_its_timeout()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?>
        {
            ["Nym:OutboundQueueCapacity"] = "2",
            ["Nym:ResponseTimeout"] = "00:00:02",
            ["Bridge:MaxMessageBytes"] = "4194304",
        });
        var self = host.Emulator.Address.ToString();
        host.Emulator.SetUnresponsive(true);

        // Big payloads fill the socket buffers quickly, then the writer stalls and the queue fills.
        var payload = Convert.ToBase64String(new byte[2 * 1024 * 1024]);
        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            host.Client.PostAsJsonAsync("/send", new { recipient = self, messageBase64 = payload }))).DefaultTimeout();
        var elapsed = clock.Elapsed;

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.NotNull(r.Headers.RetryAfter));
        var details = await Task.WhenAll(refused.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()));
        Assert.Contains(details, d => d!.Contains("queue is full", StringComparison.Ordinal));
        Assert.True(elapsed < TimeSpan.FromSeconds(15), $"sends took {elapsed}");
        host.Emulator.SetUnresponsive(false);
    }

    [Fact]
    public async Task Sigterm_with_sends_in_flight_answers_each_and_flushes_the_inbox()
    {
        using var temp = new TempDirectory();
        await using var emulator = new NymClientEmulator(new EmulatorOptions { RecordFrames = false });
        await emulator.StartAsync();
        string[] arguments = [$"--Nym:ClientUrl={emulator.Url}", $"--Inbox:Path={Path.Combine(temp.Path, "inbox.db")}"];
        using (var bridge = BridgeProcess.Start(temp.Path, arguments))
        {
            await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart);
            var self = (await bridge.Client.GetFromJsonAsync<JsonElement>("/self-address")).GetProperty("address").GetString();
            for (var i = 0; i < 200; i++)
            {
                await emulator.InjectReceivedAsync(BitConverter.GetBytes(i));
            }

            var payload = Convert.ToBase64String(new byte[256 * 1024]);
            var sends = Enumerable.Range(0, 40).Select(async _ =>
            {
                try
                {
                    return (await bridge.Client.PostAsJsonAsync("/send", new { recipient = self, messageBase64 = payload })).StatusCode;
                }
                catch (HttpRequestException)
                {
                    // Refused at the door once the server stopped accepting: never reached nym-client.
                    return HttpStatusCode.ServiceUnavailable;
                }
            }).ToList();
            await Task.Delay(50);
            bridge.Terminate();
            var statuses = await Task.WhenAll(sends).DefaultTimeout();
            var exitCode = await bridge.WaitForExitAsync(TestTimeout.Default);

            Assert.Equal(0, exitCode);
            Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable }));
        }

        using var again = BridgeProcess.Start(temp.Path, arguments);
        await again.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        var stored = await again.Client.GetFromJsonAsync<JsonElement>("/messages?after=0&max=1000&wait=0");
        var values = stored.GetProperty("messages").EnumerateArray()
            .Select(m => Convert.FromBase64String(m.GetProperty("messageBase64").GetString()!))
            .Where(b => b.Length == 4).Select(b => BitConverter.ToInt32(b)).ToList();
        Assert.Equal(Enumerable.Range(0, 200), values.Take(200));
    }
}
