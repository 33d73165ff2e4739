using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace NymBridge.Tests.Hardening;

/// <summary>Who talks to whom is what a mixnet user hides: none of it may reach the log at Information or above.</summary>
public class LogPrivacyTests
{
    private const string Key = "privacy-test-key-7c1d2e3f4a5b";

    [Fact]
    public async Task A_full_send_receive_reply_cycle_logs_no_address_tag_payload_or_key()
    {
        var log = new CapturingLoggerProvider();
        await using var host = await BridgeHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Bridge:ApiKey"] = Key,
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
            },
            configure: builder => builder.ConfigureServices(services => services.AddLogging(l => l.AddProvider(log))));
        host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var self = host.Emulator.Address.ToString();
        string[] payloads = ["secret-plain-payload", "secret-anonymous-payload", "secret-reply-payload", "secret-raw-payload"];

        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsJsonAsync("/send", new { recipient = self, message = payloads[0] })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsJsonAsync("/send-anonymous", new { recipient = self, message = payloads[1], replySurbs = 3 })).StatusCode);
        var raw = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(payloads[3]));
        raw.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsync($"/send?recipient={Uri.EscapeDataString(self)}", raw)).StatusCode);
        var received = await ReadAsync(host, 3);
        var tag = received.Select(m => m.GetProperty("senderTag").GetString()).Single(t => t is not null)!;
        var refused = await host.Client.PostAsync($"/reply?senderTag={tag}", new StringContent(payloads[2], System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await host.Client.PostAsJsonAsync("/reply", new { senderTag = tag, message = payloads[2] })).StatusCode);
        await ReadAsync(host, 1);
        Assert.Equal(HttpStatusCode.BadRequest, (await host.Client.PostAsJsonAsync("/send", new { recipient = self + "0", message = payloads[0] })).StatusCode);

        var text = log.Text;
        Assert.NotEmpty(log.Lines);
        string[] secrets = [self, .. self.Split('.', '@'), tag, Key, .. payloads];
        foreach (var secret in secrets)
        {
            var leak = log.Lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a log line carries a secret: {leak}");
        }
    }

    private static async Task<List<JsonElement>> ReadAsync(BridgeHost host, int count)
    {
        var messages = new List<JsonElement>();
        while (messages.Count < count)
        {
            var page = await host.Client.GetFromJsonAsync<JsonElement>("/messages?wait=10");
            messages.AddRange(page.GetProperty("messages").EnumerateArray());
        }

        return messages;
    }
}
