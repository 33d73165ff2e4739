using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace NymBridge.Tests.Sending;

/// <summary>Every kind of bad input gets the right 4xx problem+json, and nothing of it reaches nym-client.</summary>
public class BadInputTests
{
    private const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";
    private const string Identity = "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV";
    private const string Encryption = "4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe";
    private const string Gateway = "4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    // 32 bytes of 0x02…: y = 2 has no x on the curve (2² − 1 = 3 over 4d + 1 is not a square mod p).
    private static readonly string OffCurve = SimpleBase.Base58.Bitcoin.Encode([2, .. new byte[31]]);
    private static readonly string Tag = SimpleBase.Base58.Bitcoin.Encode(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());

    public sealed record BadRequestCase(string Name, string Method, string Path, string? ContentType, string? Body, HttpStatusCode Status, string? ErrorField = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<BadRequestCase> Cases => new(
        new BadRequestCase("malformed json", "POST", "/send", "application/json", "{\"recipient\": ", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("json array body", "POST", "/send", "application/json", "[1,2]", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("json null body", "POST", "/send", "application/json", "null", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("empty json body", "POST", "/send", "application/json", "", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("empty octet-stream body", "POST", $"/send?recipient={Uri.EscapeDataString(Address)}", "application/octet-stream", "", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("recipient is a number", "POST", "/send", "application/json", "{\"recipient\": 5, \"message\": \"x\"}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("message and messageBase64", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"messageBase64\": \"eA==\"}}", HttpStatusCode.BadRequest, "message"),
        new BadRequestCase("neither message field", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\"}}", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("message null only", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": null}}", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("missing recipient", "POST", "/send", "application/json", "{\"message\": \"x\"}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("invalid base58 in recipient", "POST", "/send", "application/json", $"{{\"recipient\": \"{Identity.Replace('C', '0')}.{Encryption}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("identity 31 bytes", "POST", "/send", "application/json", $"{{\"recipient\": \"{SimpleBase.Base58.Bitcoin.Encode(new byte[31].Select(_ => (byte)9).ToArray())}.{Encryption}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("encryption key 33 bytes", "POST", "/send", "application/json", $"{{\"recipient\": \"{Identity}.{SimpleBase.Base58.Bitcoin.Encode(new byte[33].Select(_ => (byte)9).ToArray())}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("identity not an Ed25519 point", "POST", "/send", "application/json", $"{{\"recipient\": \"{OffCurve}.{Encryption}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("gateway not an Ed25519 point", "POST", "/send", "application/json", $"{{\"recipient\": \"{Identity}.{Encryption}@{OffCurve}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("old-style address", "POST", "/send", "application/json", $"{{\"recipient\": \"{Identity}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("two @ in address", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}@{Gateway}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("invalid base64", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"messageBase64\": \"not base64!\"}}", HttpStatusCode.BadRequest, "messageBase64"),
        new BadRequestCase("unknown field", "POST", "/send", "application/json", $"{{\"recipent\": \"{Address}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "body"),
        new BadRequestCase("replySurbs negative", "POST", "/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": -1}}", HttpStatusCode.BadRequest, "replySurbs"),
        new BadRequestCase("replySurbs over maximum", "POST", "/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": 1001}}", HttpStatusCode.BadRequest, "replySurbs"),
        new BadRequestCase("replySurbs as string", "POST", "/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": \"20\"}}", HttpStatusCode.BadRequest, "replySurbs"),
        new BadRequestCase("replySurbs fractional", "POST", "/send-anonymous", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"replySurbs\": 2.5}}", HttpStatusCode.BadRequest, "replySurbs"),
        new BadRequestCase("replySurbs query not a number", "POST", $"/send-anonymous?recipient={Uri.EscapeDataString(Address)}&replySurbs=many", "application/octet-stream", "x", HttpStatusCode.BadRequest, "replySurbs"),
        new BadRequestCase("connectionId 0", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": 0}}", HttpStatusCode.BadRequest, "connectionId"),
        new BadRequestCase("connectionId negative", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": -5}}", HttpStatusCode.BadRequest, "connectionId"),
        new BadRequestCase("connectionId over 2^64-1", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": 18446744073709551616}}", HttpStatusCode.BadRequest, "connectionId"),
        new BadRequestCase("connectionId as string", "POST", "/send", "application/json", $"{{\"recipient\": \"{Address}\", \"message\": \"x\", \"connectionId\": \"7\"}}", HttpStatusCode.BadRequest, "connectionId"),
        new BadRequestCase("connectionId query non-numeric", "POST", $"/send?recipient={Uri.EscapeDataString(Address)}&connectionId=abc", "application/octet-stream", "x", HttpStatusCode.BadRequest, "connectionId"),
        new BadRequestCase("octet-stream without recipient", "POST", "/send", "application/octet-stream", "x", HttpStatusCode.BadRequest, "recipient"),
        new BadRequestCase("octet-stream unknown query parameter", "POST", $"/send?recipient={Uri.EscapeDataString(Address)}&surbs=3", "application/octet-stream", "x", HttpStatusCode.BadRequest, "surbs"),
        new BadRequestCase("sender tag 15 bytes", "POST", "/reply", "application/json", $"{{\"senderTag\": \"{SimpleBase.Base58.Bitcoin.Encode(new byte[15].Select(_ => (byte)7).ToArray())}\", \"message\": \"x\"}}", HttpStatusCode.BadRequest, "senderTag"),
        new BadRequestCase("sender tag invalid base58", "POST", "/reply", "application/json", "{\"senderTag\": \"0OIl\", \"message\": \"x\"}", HttpStatusCode.BadRequest, "senderTag"),
        new BadRequestCase("missing sender tag", "POST", "/reply", "application/json", "{\"message\": \"x\"}", HttpStatusCode.BadRequest, "senderTag"),
        new BadRequestCase("reply octet-stream without tag", "POST", "/reply", "application/octet-stream", "x", HttpStatusCode.BadRequest, "senderTag"),
        new BadRequestCase("text/plain content type", "POST", "/send", "text/plain", "hello", HttpStatusCode.UnsupportedMediaType),
        new BadRequestCase("form content type", "POST", "/send-anonymous", "application/x-www-form-urlencoded", "recipient=x", HttpStatusCode.UnsupportedMediaType),
        new BadRequestCase("no content type", "POST", "/reply", null, "x", HttpStatusCode.UnsupportedMediaType),
        new BadRequestCase("queue-length id 0", "GET", "/connections/0/queue-length", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("queue-length id -1", "GET", "/connections/-1/queue-length", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("queue-length id abc", "GET", "/connections/abc/queue-length", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("queue-length id over 2^64-1", "GET", "/connections/18446744073709551616/queue-length", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("close id 0", "POST", "/connections/0/close", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("close id abc", "POST", "/connections/abc/close", null, null, HttpStatusCode.BadRequest, "id"),
        new BadRequestCase("wrong method", "GET", "/send", null, null, HttpStatusCode.MethodNotAllowed));

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_4xx_problem_and_reaches_nobody(BadRequestCase c)
    {
        await using var host = await BridgeHost.StartAsync();

        var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(c.Body));
            if (c.ContentType is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(c.ContentType);
            }
        }

        var response = await host.Client.SendAsync(request);

        Assert.Equal(c.Status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (c.ErrorField is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(c.ErrorField, out var messages), $"errors has no '{c.ErrorField}': {problem}");
            Assert.NotEqual(0, messages.GetArrayLength());
        }

        // A send to the emulator's own address proves the connection works and flushes anything queued before it.
        Assert.Equal(HttpStatusCode.Accepted, (await host.PostJsonAsync("/send", new { recipient = Address, message = "marker" })).StatusCode);
        await host.Emulator.WaitForFrameAsync(f => f.Data[0] == 0x00, TestTimeout.Default);
        Assert.Equal([0x00], host.SentFrames().Select(f => f.Data[0]).ToArray());
    }

    [Fact]
    public async Task A_payload_over_the_limit_is_413_in_both_forms()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:MaxMessageBytes"] = "1000" });

        var raw = new ByteArrayContent(new byte[1001]);
        raw.Headers.ContentType = new("application/octet-stream");
        var octet = await host.Client.PostAsync($"/send?recipient={Uri.EscapeDataString(Address)}", raw);
        var json = await host.PostJsonAsync("/send", new { recipient = Address, messageBase64 = Convert.ToBase64String(new byte[1001]) });
        var huge = await host.PostJsonAsync("/send", new { recipient = Address, message = new string('x', 5000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, octet.StatusCode);
        Assert.Equal("application/problem+json", octet.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, json.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Empty(host.SentFrames());
    }
}
