using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace NymBridge.Tests.Hardening;

/// <summary>
/// 10,000 generated requests against the send endpoints. Each is built from parts known to be valid
/// or invalid, so the test knows which must succeed: no 5xx ever, a 2xx exactly for the valid ones,
/// and exactly one frame at nym-client per 2xx.
/// </summary>
public class RandomizedHttpTests
{
    private const int Requests = 10_000;
    private const string OtherAddress =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    [Fact]
    public async Task Ten_thousand_random_requests_never_5xx_and_only_valid_ones_reach_nym_client()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:MaxMessageBytes"] = "4096" });
        var generator = new RequestGenerator(new Random(20261127), OtherAddress);
        var accepted = 0;
        var failures = new List<string>();

        for (var i = 0; i < Requests; i++)
        {
            var (request, valid, description) = generator.Next();
            using var response = await host.Client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status >= 500 || (status is >= 200 and < 300) != valid)
            {
                failures.Add($"#{i} {description} -> {status} {await response.Content.ReadAsStringAsync()}");
            }

            if (status is >= 200 and < 300)
            {
                accepted++;
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} wrong answers, e.g.:\n{string.Join("\n", failures.Take(10))}");
        Assert.InRange(accepted, Requests / 10, Requests - Requests / 10);

        // A marker sent last: once it is there, every earlier frame is too.
        await host.PostJsonAsync("/send", new { recipient = OtherAddress, message = "end-of-run-marker" });
        await host.Emulator.WaitForFrameAsync(f => f.Data.AsSpan().EndsWith("end-of-run-marker"u8), TestTimeout.Default);
        Assert.Equal(accepted + 1, host.SentFrames().Count);
    }

    private sealed class RequestGenerator(Random random, string address)
    {
        private static readonly string[] Endpoints = ["/send", "/send-anonymous", "/reply"];
        private readonly string _tag = SimpleBase.Base58.Bitcoin.Encode(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());

        public (HttpRequestMessage Request, bool Valid, string Description) Next()
        {
            var endpoint = Endpoints[random.Next(Endpoints.Length)];
            var roll = random.NextDouble();
            var (request, valid, description) = roll switch
            {
                < 0.65 => Json(endpoint),
                < 0.85 => Bytes(endpoint),
                _ => Odd(endpoint),
            };

            var key = random.NextDouble();
            if (key < 0.10)
            {
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            }
            else if (key < 0.13)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", new string('k', 256 + random.Next(100)));
                valid = false;
                description += " +bad-idempotency-key";
            }

            if (random.NextDouble() < 0.2)
            {
                request.Headers.TryAddWithoutValidation($"X-Random-{random.Next(100)}", RandomText(random.Next(0, 40)));
            }

            return (request, valid, $"{endpoint} {description}");
        }

        private (HttpRequestMessage, bool, string) Json(string endpoint)
        {
            var body = new JsonObject();
            var valid = true;
            var notes = new List<string>();

            void Field(string name, bool required, Func<(JsonNode? Node, bool Valid)> good, Func<JsonNode?> bad)
            {
                var r = random.NextDouble();
                if (r < 0.12)
                {
                    valid &= !required;
                    notes.Add($"{name}:absent");
                }
                else if (r < 0.30)
                {
                    body[name] = bad();
                    valid = false;
                    notes.Add($"{name}:bad");
                }
                else
                {
                    var (node, ok) = good();
                    body[name] = node;
                    valid &= ok;
                    notes.Add($"{name}:{(ok ? "good" : "bad")}");
                }
            }

            if (endpoint == "/reply")
            {
                Field("senderTag", true, () => (_tag, true), BadString);
            }
            else
            {
                Field("recipient", true, () => (address, true), BadString);
            }

            // Exactly one payload field, or a violation of that rule.
            var payload = random.Next(6);
            switch (payload)
            {
                case 0:
                    body["message"] = RandomText(random.Next(0, 200));
                    break;
                case 1:
                    body["message"] = new JsonObject { ["k"] = random.Next(), ["list"] = new JsonArray(1, "two", null, true) };
                    break;
                case 2:
                    body["messageBase64"] = Convert.ToBase64String(RandomBytes(random.Next(0, 300)));
                    break;
                case 3:
                    body["message"] = "x";
                    body["messageBase64"] = "eA==";
                    valid = false;
                    break;
                case 4:
                    valid = false; // neither
                    break;
                default:
                    body["messageBase64"] = random.Next(2) == 0 ? "not base64!" : (JsonNode)random.Next();
                    valid = false;
                    break;
            }

            notes.Add($"payload:{payload}");
            if (endpoint == "/send-anonymous" && random.NextDouble() < 0.7)
            {
                Field("replySurbs", false, () => (random.Next(0, 1001), true), () => Pick<JsonNode?>(-1, 1001, "20", 2.5, true, int.MaxValue));
            }

            if (random.NextDouble() < 0.4)
            {
                Field("connectionId", false, () => ((ulong)random.NextInt64(1, long.MaxValue), true), () => Pick<JsonNode?>(0, -1, "7", 1.5, new JsonArray()));
            }

            if (random.NextDouble() < 0.05)
            {
                body[$"unknown{random.Next(10)}"] = 1;
                valid = false;
                notes.Add("unknown-field");
            }

            if (endpoint != "/send-anonymous" && random.NextDouble() < 0.03)
            {
                body["replySurbs"] = 5;
                valid = false;
                notes.Add("replySurbs-on-wrong-endpoint");
            }

            var text = body.ToJsonString();
            if (random.NextDouble() < 0.05)
            {
                text = text[..random.Next(text.Length)];
                valid = false;
                notes.Add("truncated-json");
            }

            var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
            {
                Content = new StringContent(text, Encoding.UTF8, random.Next(4) == 0 ? "application/json" : "application/json"),
            };
            return (request, valid, $"json {string.Join(',', notes)}");
        }

        private (HttpRequestMessage, bool, string) Bytes(string endpoint)
        {
            var query = new List<string>();
            var valid = true;
            var notes = new List<string>();
            var target = endpoint == "/reply" ? "senderTag" : "recipient";
            var r = random.NextDouble();
            if (r < 0.15)
            {
                valid = false;
                notes.Add($"{target}:absent");
            }
            else if (r < 0.3)
            {
                query.Add($"{target}={Uri.EscapeDataString(BadString()?.ToString() ?? "x")}");
                valid = false;
                notes.Add($"{target}:bad");
            }
            else
            {
                query.Add($"{target}={Uri.EscapeDataString(endpoint == "/reply" ? _tag : address)}");
            }

            if (endpoint == "/send-anonymous" && random.NextDouble() < 0.5)
            {
                var good = random.NextDouble() < 0.7;
                query.Add($"replySurbs={(good ? random.Next(0, 1001).ToString(System.Globalization.CultureInfo.InvariantCulture) : Pick("-1", "1001", "many", "2.5", ""))}");
                valid &= good;
                notes.Add($"replySurbs:{good}");
            }

            if (random.NextDouble() < 0.3)
            {
                var good = random.NextDouble() < 0.7;
                query.Add($"connectionId={(good ? random.NextInt64(1, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture) : Pick("0", "-1", "abc", "18446744073709551616"))}");
                valid &= good;
                notes.Add($"connectionId:{good}");
            }

            if (random.NextDouble() < 0.05)
            {
                query.Add("extra=1");
                valid = false;
                notes.Add("unknown-query");
            }

            var length = random.NextDouble() < 0.08 ? 0 : random.NextDouble() < 0.05 ? 4097 + random.Next(2000) : random.Next(1, 2000);
            valid &= length is > 0 and <= 4096;
            notes.Add($"bytes:{length}");
            var content = new ByteArrayContent(RandomBytes(length));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var request = new HttpRequestMessage(HttpMethod.Post, $"{endpoint}?{string.Join('&', query)}") { Content = content };
            return (request, valid, $"bytes {string.Join(',', notes)}");
        }

        private (HttpRequestMessage, bool, string) Odd(string endpoint)
        {
            var kind = random.Next(5);
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(RandomText(random.Next(0, 100))));
            switch (kind)
            {
                case 0:
                    content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
                    break;
                case 1:
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/xml");
                    break;
                case 2:
                    break; // no content type
                case 3:
                    content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
                    content = new ByteArrayContent(RandomBytes(random.Next(1, 64)));
                    content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                    break;
                default:
                    content.Headers.TryAddWithoutValidation("Content-Type", "garbage;;;=");
                    break;
            }

            return (new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content }, false, $"odd-{kind}");
        }

        private JsonNode? BadString() => random.Next(8) switch
        {
            0 => RandomText(random.Next(0, 60)),
            1 => random.Next(),
            2 => true,
            3 => new JsonArray(),
            4 => null,
            5 => "71od3ZnCm2jLbzQTbxKPtyXcxHCXm6Nb1oxMMTxZ1DMJ@FWYoUrnKuXryysptnCZgUYRTauHq4FnEFu2UGe3TLUBt",
            6 => address.Replace('C', '0'),
            _ => SimpleBase.Base58.Bitcoin.Encode(RandomBytes(Pick(1, 15, 17, 31, 33, 40))),
        };

        private T Pick<T>(params T[] options) => options[random.Next(options.Length)];

        private byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }

        private string RandomText(int length)
        {
            const string alphabet = "abcXYZ019 _-.@\"\\\n\té✓🌍{}[]";
            var builder = new StringBuilder(length);
            for (var i = 0; i < length; i++)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)]);
            }

            return builder.ToString().Replace("\uD83C", "", StringComparison.Ordinal).Replace("\uDF0D", "", StringComparison.Ordinal);
        }
    }
}
