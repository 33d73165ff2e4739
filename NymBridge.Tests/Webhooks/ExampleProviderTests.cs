using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace NymBridge.Tests.Webhooks;

/// <summary>
/// The examples in <c>examples/</c> as README.md tells a user to run them: each a real child process, the
/// bridge a real process on the emulator, delivering to it.
/// </summary>
public class ExampleProviderTests
{

    public static TheoryData<string> Examples => ["python-echo", "node-echo"];

    [Fact]
    public void The_test_signer_reproduces_the_specifications_test_vector()
    {
        // The vector every Standard Webhooks library tests against (standard-webhooks/standard-webhooks,
        // libraries/*/: "verifyWebhookSignWorks" and its siblings).
        var signature = SpecSigner.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"u8.ToArray());

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task The_example_answers_a_correctly_signed_delivery_with_its_echo_and_a_wrongly_signed_one_with_401(string example)
    {
        var secret = SpecSigner.NewSecret();
        using var provider = await ExampleProviderProcess.StartAsync(example, secret);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var body = DeliveryBody("hello");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var good = SpecSigner.Sign(secret, "evt_e_1", now, body);

        var signed = await PostAsync(http, provider.Url, body, "evt_e_1", now, good);
        var rotated = await PostAsync(http, provider.Url, body, "evt_e_1", now, $"{SpecSigner.Sign(SpecSigner.NewSecret(), "evt_e_1", now, body)} {good}");
        var otherSecret = await PostAsync(http, provider.Url, body, "evt_e_1", now, SpecSigner.Sign(SpecSigner.NewSecret(), "evt_e_1", now, body));
        var alteredBody = await PostAsync(http, provider.Url, DeliveryBody("hellO"), "evt_e_1", now, good);
        var otherId = await PostAsync(http, provider.Url, body, "evt_e_2", now, good);
        var stale = await PostAsync(http, provider.Url, body, "evt_e_1", now - 360, SpecSigner.Sign(secret, "evt_e_1", now - 360, body));
        var future = await PostAsync(http, provider.Url, body, "evt_e_1", now + 360, SpecSigner.Sign(secret, "evt_e_1", now + 360, body));
        var unsigned = await PostAsync(http, provider.Url, body, "evt_e_1", now, signature: null);

        Assert.Equal(HttpStatusCode.OK, signed.Status);
        Assert.Equal("echo: hello", JsonDocument.Parse(signed.Body).RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.All([otherSecret, alteredBody, otherId, stale, future, unsigned], answer => Assert.Equal(HttpStatusCode.Unauthorized, answer.Status));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task An_anonymous_message_to_the_bridge_comes_back_as_the_examples_echo_reply(string example)
    {
        using var temp = new TempDirectory();
        var secret = SpecSigner.NewSecret();
        using var provider = await ExampleProviderProcess.StartAsync(example, secret);
        using var bridge = BridgeProcess.Start(
            temp.Path,
            "--emulator",
            $"--Webhooks:Endpoints:default:Url={provider.Url}",
            $"--Webhooks:Endpoints:default:Secret={secret}",
            $"--Inbox:Path={Path.Combine(temp.Path, "inbox.db")}");
        await bridge.WaitUntilReadyAsync(TestTimeout.ProcessStart);
        var self = (await bridge.Client.GetFromJsonAsync<JsonElement>("/self-address")).GetProperty("address").GetString();

        var text = await bridge.Client.PostAsJsonAsync("/send-anonymous", new { recipient = self, message = "ping 42" });
        var textEcho = await WaitForEventAsync(bridge, e => e.GetProperty("message").GetString() == "echo: ping 42", $"{example}:\n{provider.Output}");
        var binary = await bridge.Client.PostAsJsonAsync("/send-anonymous", new { recipient = self, messageBase64 = Convert.ToBase64String([0x00, 0x01, 0xff]) });
        var binaryEcho = await WaitForEventAsync(bridge, e => e.GetProperty("seq").GetInt64() > textEcho.GetProperty("seq").GetInt64() && e.GetProperty("senderTag").ValueKind == JsonValueKind.Null, $"{example}:\n{provider.Output}");

        Assert.Equal(HttpStatusCode.Accepted, text.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, binary.StatusCode);
        // The emulator loops a Reply to its own sender tag back without a tag, as nym delivers a reply.
        Assert.Equal(JsonValueKind.Null, textEcho.GetProperty("senderTag").ValueKind);
        Assert.Equal([.. "echo: "u8, 0x00, 0x01, 0xff], Convert.FromBase64String(binaryEcho.GetProperty("messageBase64").GetString()!));
        var endpoint = await WaitForEndpointAsync(bridge, e => e.GetProperty("repliesSent").GetInt64() >= 2 && e.GetProperty("delivered").GetInt64() >= 4);
        Assert.Equal("default", endpoint.GetProperty("name").GetString());
        Assert.Equal(2, endpoint.GetProperty("repliesSent").GetInt64());
        Assert.Equal(0, endpoint.GetProperty("failed").GetInt64());
        Assert.DoesNotContain(secret, bridge.Output, StringComparison.Ordinal);
    }

    /// <summary>Waits until <c>GET /webhooks</c> shows the one endpoint in the wanted state (its counters settle just after the reply).</summary>
    private static async Task<JsonElement> WaitForEndpointAsync(BridgeProcess bridge, Func<JsonElement, bool> match)
    {
        var endpoint = await Eventually.ProbeUntilAsync(
            async () => (await bridge.Client.GetFromJsonAsync<JsonElement>("/webhooks")).EnumerateArray().Single().Clone(),
            match,
            "GET /webhooks shows the endpoint in the wanted state");
        return endpoint;
    }

    /// <summary>
    /// Waits for an event in the bridge's inbox: replay long-polls (they take nothing) from the last cursor, which
    /// the bridge answers as soon as a later event is there.
    /// </summary>
    private static async Task<JsonElement> WaitForEventAsync(BridgeProcess bridge, Func<JsonElement, bool> match, string context)
    {
        using var deadline = new CancellationTokenSource(TestTimeout.Default);
        var seen = new List<string>();
        var cursor = 0L;
        try
        {
            while (true)
            {
                var page = await bridge.Client.GetFromJsonAsync<JsonElement>($"/messages?after={cursor}&max=1000&wait=5", deadline.Token);
                foreach (var e in page.GetProperty("messages").EnumerateArray())
                {
                    if (e.GetProperty("type").GetString() == "received" && match(e))
                    {
                        return e.Clone();
                    }

                    seen.Add(e.GetRawText());
                }

                cursor = page.GetProperty("cursor").GetInt64();
            }
        }
        catch (OperationCanceledException)
        {
            using var webhooks = await bridge.Client.GetAsync("/webhooks", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Fail($"no matching event within {TestTimeout.Default}; inbox: {string.Join("\n", seen)}\n/webhooks: {(int)webhooks.StatusCode} {await webhooks.Content.ReadAsStringAsync()}\n{context}\nbridge:\n{bridge.Output}");
            throw;
        }
    }

    private static byte[] DeliveryBody(string message) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
    {
        type = "message.received",
        timestamp = "2026-12-01T12:00:00.000Z",
        epoch = "e",
        data = new
        {
            seq = 1,
            type = "received",
            receivedAt = "2026-12-01T12:00:00.000Z",
            size = message.Length,
            senderTag = "7Ls8mWq6rCQ1kE2bB7g6Zw",
            message,
            messageBase64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(message)),
        },
    }));

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, Uri url, byte[] body, string id, long timestamp, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        if (signature is not null)
        {
            request.Headers.Add("webhook-signature", signature);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Standard Webhooks symmetric signing, written from the specification (spec/standard-webhooks.md,
    /// "Signature scheme"), not the product's code: v1, then base64 HMAC-SHA256 over "id.timestamp.body",
    /// keyed by the base64-decoded part of the secret after "whsec_".
    /// </summary>
    private static class SpecSigner
    {
        public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        public static string Sign(string secret, string id, long timestamp, byte[] body)
        {
            var key = Convert.FromBase64String(secret["whsec_".Length..]);
            var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.").Concat(body).ToArray();
            return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        }
    }
}
