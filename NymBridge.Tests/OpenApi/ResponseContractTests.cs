using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Inbox;
using NymBridge.Api.Sending;
using NymBridge.Api.Webhooks;
using NymBridge.Tests.Webhooks;
using NymBridge.Protocol;

namespace NymBridge.Tests.OpenApi;

/// <summary>
/// Every response the bridge sends, success and problem, for every endpoint and status, validated against the
/// served OpenAPI document (of the configuration that sent it: a key and a rate limit change the document).
/// One line of <see cref="Table"/> per case; an endpoint added later adds its lines, and
/// <see cref="Every_documented_response_has_a_case"/> fails until each status its document lists has one.
/// </summary>
public sealed class ResponseContractTests(ResponseContractTests.Hosts hosts) : IClassFixture<ResponseContractTests.Hosts>
{
    public enum Profile
    {
        /// <summary>Connected to the emulator, Bridge:MaxMessageBytes 1024.</summary>
        Default,

        /// <summary>nym-client gone: the emulator dropped the bridge and refuses it.</summary>
        Unavailable,

        /// <summary>Bridge:ApiKey set; requests carry no key unless the case says <see cref="WithKey"/>.</summary>
        Keyed,

        /// <summary>Bridge:RateLimit:PermitsPerSecond 1; <see cref="Drain"/> spends the permit first.</summary>
        Limited,

        /// <summary>Every Idempotency-Key is pending, as a cluster's Redis store finds a key whose send never reported back.</summary>
        Pending,

        /// <summary>The inbox store cannot be read, as a cluster's Redis store while Redis does not answer.</summary>
        StoreUnavailable,

        /// <summary>Once started, the webhook state store refuses every save, as SQLite does on a full disk.</summary>
        StateUnsaved,
    }

    private const string Key = "contract-test-key-5d1e";
    private const string Tag = "{tag}";

    /// <summary>What a case's request and set-up can use: the host of its profile and its address.</summary>
    public sealed record Env(BridgeHost Host, string Self);

    /// <param name="Request">"METHOD /path?query"; {self}, {tag} and {seq} (the last received message) are filled in.</param>
    public sealed record ContractCase(
        string Request,
        int Status,
        Func<Env, HttpContent>? Body = null,
        Profile Profile = Profile.Default,
        Func<Env, Task>? Before = null,
        (string Name, string Value)[]? Headers = null)
    {
        public string Name => $"{Request} → {Status} ({Profile}){(Body is null ? "" : " " + BodyLabel)}";

        public string BodyLabel { get; init; } = "";
    }

    private static readonly string[] SendPaths = ["/send", "/send-anonymous", "/reply"];

    private static readonly string[] KeyedOperations =
    [
        "POST /send", "POST /send-anonymous", "POST /reply", "GET /self-address", "GET /connections/7/queue-length",
        "POST /connections/7/close", "GET /messages?wait=0", "GET /messages/1/payload", "GET /messages/stream", "GET /status",
        "GET /metrics", "GET /webhooks", "GET /webhooks/contract/attempts", "GET /webhooks/contract/failures",
        "POST /webhooks/contract/redeliver", "POST /webhooks/contract/enable", "POST /webhooks/contract/disable",
    ];

    private static readonly string[] OpenOperations = ["GET /health/live", "GET /health/ready"];

    public static readonly ContractCase[] Table =
    [
        .. SendPaths.SelectMany(path => new ContractCase[]
        {
            new($"POST {path}", 202, Payload(path, "hello")) { BodyLabel = "json" },
            new($"POST {path}", 200, Payload(path, "hello", connectionId: 7)) { BodyLabel = "json with connectionId" },
            new($"POST {path}?{Target(path)}&connectionId=18446744073709551615", 200, Bytes("raw")) { BodyLabel = "bytes" },
            new($"POST {path}", 400, _ => JsonContent.Create(new { message = "no recipient" })) { BodyLabel = "json" },
            new($"POST {path}?{Target(path)}&connectionId=0", 400, Bytes("raw")) { BodyLabel = "bytes" },
            new($"POST {path}", 413, Payload(path, new string('x', 2000))) { BodyLabel = "json" },
            new($"POST {path}", 415, _ => new StringContent("hello", Encoding.UTF8, "text/plain")) { BodyLabel = "text" },
            new($"POST {path}", 422, Payload(path, "second"), Before: e => SendOnceAsync(e, path, "reused" + path.Replace('/', '-')), Headers: [("Idempotency-Key", "reused" + path.Replace('/', '-'))]) { BodyLabel = "json" },
            new($"POST {path}", 503, Payload(path, "hello"), Profile.Unavailable) { BodyLabel = "json" },
            new($"POST {path}", 409, Payload(path, "hello"), Profile.Pending, Headers: [("Idempotency-Key", "pending")]) { BodyLabel = "json" },
        }),
        new("GET /self-address", 200),
        new("GET /self-address", 503, Profile: Profile.Unavailable),
        new("GET /connections/7/queue-length", 200),
        new("GET /connections/18446744073709551615/queue-length", 200),
        new("GET /connections/0/queue-length", 400),
        new("GET /connections/7/queue-length", 503, Profile: Profile.Unavailable),
        new("POST /connections/7/close", 202),
        new("POST /connections/18446744073709551616/close", 400),
        new("POST /connections/7/close", 503, Profile: Profile.Unavailable),
        new("GET /messages?after=0&max=1000&wait=0", 200, Before: InjectReceivedAndErrorAsync),
        new("GET /messages?wait=0", 200, Before: InjectReceivedAndErrorAsync),
        new("GET /messages?wait=61", 400),
        new("GET /messages/{seq}/payload", 200, Before: InjectReceivedAndErrorAsync),
        new("GET /messages/x/payload", 400),
        new("GET /messages/999999/payload", 404),
        new("GET /messages/stream?after=0", 200, Before: InjectReceivedAndErrorAsync),
        new("GET /messages/stream?after=abc", 400),
        new("GET /messages?wait=0", 503, Profile: Profile.StoreUnavailable),
        new("GET /messages/1/payload", 503, Profile: Profile.StoreUnavailable),
        new("GET /messages/stream?after=0", 503, Profile: Profile.StoreUnavailable),
        new("GET /status", 200),
        new("GET /status", 200, Profile: Profile.Unavailable),
        new("GET /health/live", 200),
        new("GET /health/ready", 200),
        new("GET /health/ready", 503, Profile: Profile.Unavailable),
        new("GET /metrics", 200),
        new("GET /webhooks", 200),
        new("GET /webhooks/contract/attempts?after=0&max=100", 200),
        new("GET /webhooks/contract/attempts?max=0", 400),
        new("GET /webhooks/nobody/attempts", 404),
        new("GET /webhooks/contract/failures", 200),
        new("GET /webhooks/nobody/failures", 404),
        new("POST /webhooks/contract/redeliver", 202, _ => JsonContent.Create(new { failed = true })) { BodyLabel = "json" },
        new("POST /webhooks/contract/redeliver", 400, _ => JsonContent.Create(new { seqs = new[] { 1 }, from = 1 })) { BodyLabel = "json" },
        new("POST /webhooks/nobody/redeliver", 404, _ => JsonContent.Create(new { failed = true })) { BodyLabel = "json" },
        new("POST /webhooks/contract/disable", 200),
        new("POST /webhooks/nobody/disable", 404),
        new("POST /webhooks/contract/enable", 200),
        new("POST /webhooks/nobody/enable", 404),
        new("POST /webhooks/contract/redeliver", 503, _ => JsonContent.Create(new { seqs = new[] { 1 } }), Profile.StateUnsaved, Before: AdmitOneAsync) { BodyLabel = "json" },
        new("POST /webhooks/contract/disable", 503, Profile: Profile.StateUnsaved),
        new("POST /webhooks/contract/enable", 503, Profile: Profile.StateUnsaved),

        // With a key: the key opens everything, and without it all but /health/* is 401.
        new("GET /status", 200, Profile: Profile.Keyed, Headers: WithKey),
        new("GET /messages?wait=0", 200, Profile: Profile.Keyed, Headers: WithKey),
        new("GET /health/ready", 200, Profile: Profile.Keyed),
        .. KeyedOperations.Select(request => new ContractCase(request, 401, Profile: Profile.Keyed)),

        // With a rate limit, every operation can be 429.
        .. KeyedOperations.Concat(OpenOperations).Select(request => new ContractCase(request, 429, Profile: Profile.Limited, Before: Drain)),
    ];

    private static (string, string)[] WithKey => [("X-Api-Key", Key)];

    public static TheoryData<string> Cases() => [.. Table.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_real_response_validates_against_the_served_document(string name)
    {
        var test = Table.Single(c => c.Name == name);
        var env = await hosts.GetAsync(test.Profile);
        var contract = await OpenApiContract.LoadAsync(env.Host.Client);

        // The limiter's bucket refills once a second, which can fall between spending the permit and the request.
        for (var attempt = 1; ; attempt++)
        {
            if (test.Before is { } before)
            {
                await before(env).DefaultTimeout();
            }

            using var request = Build(test, env);
            using var response = await env.Host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
            if (test.Profile == Profile.Limited && (int)response.StatusCode != test.Status && attempt < 3)
            {
                continue;
            }

            await AssertResponseAsync(test, contract, request, response);
            return;
        }
    }

    private static async Task AssertResponseAsync(ContractCase test, OpenApiContract contract, HttpRequestMessage request, HttpResponseMessage response)
    {
        var streaming = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        var body = streaming ? null : await response.Content.ReadAsByteArrayAsync().DefaultTimeout();

        Assert.True(test.Status == (int)response.StatusCode, $"expected {test.Status}, got {(int)response.StatusCode}: {(body is null ? "" : Encoding.UTF8.GetString(body))}");
        await contract.AssertConformsAsync(request, response, body);
        if (test.Status is >= 200 and < 300)
        {
            // What a typed client sends must be what the document allows: the API's own numbers included.
            contract.AssertParametersConform(request);
        }

        if (streaming)
        {
            // The stream's messages are the long-poll's MessageEvent, errors included (its first events, after ready).
            using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal("ready", (await reader.NextAsync().DefaultTimeout()).Event);
            for (var i = 0; i < 2; i++)
            {
                var message = await reader.NextAsync().DefaultTimeout();
                Assert.Equal("message", message.Event);
                contract.AssertMatchesComponent("MessageEvent", System.Text.Json.Nodes.JsonNode.Parse(message.Data.GetRawText()), $"event {message.Id} of the stream");
            }
        }
    }

    [Fact]
    public async Task Every_documented_response_has_a_case()
    {
        var covered = new HashSet<string>(StringComparer.Ordinal);
        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var profile in Enum.GetValues<Profile>())
        {
            var env = await hosts.GetAsync(profile);
            var contract = await OpenApiContract.LoadAsync(env.Host.Client);
            documented.UnionWith(contract.DocumentedResponses());
            foreach (var test in Table.Where(c => c.Profile == profile))
            {
                var (method, path) = Split(Fill(test.Request, env));
                covered.Add($"{method} {contract.TemplateOf(method, path.Split('?')[0])} {test.Status}");
            }
        }

        Assert.Empty(documented.Except(covered));
        Assert.Equal(Table.Length, Table.Select(c => c.Name).Distinct().Count());
    }

    private static HttpRequestMessage Build(ContractCase test, Env env)
    {
        var (method, path) = Split(Fill(test.Request, env));
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = test.Body?.Invoke(env) };
        foreach (var (name, value) in test.Headers ?? [])
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private static (string Method, string Path) Split(string request) => (request[..request.IndexOf(' ', StringComparison.Ordinal)], request[(request.IndexOf(' ', StringComparison.Ordinal) + 1)..]);

    private static string Fill(string request, Env env) => request
        .Replace("{self}", Uri.EscapeDataString(env.Self), StringComparison.Ordinal)
        .Replace(Tag, Uri.EscapeDataString(SenderTagText), StringComparison.Ordinal)
        .Replace("{seq}", LastReceivedSeq(env).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static readonly SenderTag SenderTagValue = SenderTag.FromBytes([.. Enumerable.Range(1, 16).Select(i => (byte)i)]);
    private static readonly string SenderTagText = SenderTagValue.ToString();

    private static string Target(string path) => path == "/reply" ? $"senderTag={Tag}" : "recipient={self}";

    private static Func<Env, HttpContent> Payload(string path, string message, ulong? connectionId = null) => env => path switch
    {
        "/reply" => JsonContent.Create(new { senderTag = SenderTagText, message, connectionId }),
        "/send-anonymous" => JsonContent.Create(new { recipient = env.Self, message, replySurbs = 3, connectionId }),
        _ => JsonContent.Create(new { recipient = env.Self, message, connectionId }),
    };

    private static Func<Env, HttpContent> Bytes(string text) => _ =>
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new("application/octet-stream");
        return content;
    };

    private static async Task SendOnceAsync(Env env, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Payload(path, "first")(env) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await env.Host.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode == 422, $"the first send answered {(int)response.StatusCode}");
    }

    private static long LastReceivedSeq(Env env) => env.Host.Inbox.GetStatus().Store.LastSeq - 1;

    /// <summary>A received message then an error event, both committed: the payload case takes the received one.</summary>
    private static async Task InjectReceivedAndErrorAsync(Env env)
    {
        var target = env.Host.Inbox.GetStatus().Store.LastSeq + 2;
        await env.Host.Emulator.InjectReceivedAsync("hello ✓"u8.ToArray(), SenderTagValue);
        await env.Host.Emulator.InjectErrorAsync(ErrorKind.MalformedRequest, "a frame nym-client could not parse");
        await env.Host.WaitForCommittedAsync(target);
    }

    /// <summary>Seq 1 received and admitted for the endpoint (in memory: its admission is never saved in this profile).</summary>
    private static async Task AdmitOneAsync(Env env)
    {
        await env.Host.Emulator.InjectReceivedAsync("hello ✓"u8.ToArray(), SenderTagValue);
        await Eventually.ProbeUntilAsync(
            () => env.Host.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/webhooks"),
            w => w.EnumerateArray().Single().GetProperty("cursor").GetInt64() >= 1,
            "the endpoint admitted seq 1");
    }

    /// <summary>Spends this client's permits: requests until one is refused.</summary>
    private static async Task Drain(Env env)
    {
        for (var i = 0; i < 100; i++)
        {
            using var response = await env.Host.Client.GetAsync("/health/live");
            if ((int)response.StatusCode == 429)
            {
                return;
            }
        }

        Assert.Fail("the rate limit never refused a request");
    }

    /// <summary>One bridge per profile, shared by the cases of this class (which xunit runs one after another).</summary>
    public sealed class Hosts : IAsyncDisposable
    {
        private readonly SemaphoreSlim _lock = new(1, 1);
        private readonly Dictionary<Profile, Env> _started = [];

        public async Task<Env> GetAsync(Profile profile)
        {
            Assert.True(await _lock.WaitAsync(TestTimeout.Default), "another case held the host");
            try
            {
                if (!_started.TryGetValue(profile, out var env))
                {
                    env = await StartAsync(profile);
                    _started[profile] = env;
                }

                return env;
            }
            finally
            {
                _lock.Release();
            }
        }

        private static async Task<Env> StartAsync(Profile profile)
        {
            var settings = new Dictionary<string, string?>
            {
                ["Bridge:MaxMessageBytes"] = "1024",
                // A webhook endpoint nobody listens at (the discard port): its management routes have something to show.
                ["Webhooks:Endpoints:contract:Url"] = "http://127.0.0.1:9/hook",
                ["Webhooks:Endpoints:contract:Secret"] = "whsec_" + Convert.ToBase64String(new byte[32]),
            };
            if (profile == Profile.Keyed)
            {
                settings["Bridge:ApiKey"] = Key;
            }

            if (profile == Profile.Limited)
            {
                settings["Bridge:RateLimit:PermitsPerSecond"] = "1";
            }

            var host = await BridgeHost.StartAsync(settings, configure: profile switch
            {
                Profile.Pending => builder => builder.ConfigureTestServices(services => services.AddSingleton<IIdempotencyStore, PendingIdempotencyStore>()),
                Profile.StoreUnavailable => builder => builder.ConfigureTestServices(services => services.AddSingleton<IInboxStore, UnreachableInboxStore>()),
                Profile.StateUnsaved => builder => builder.ConfigureTestServices(services =>
                    services.AddSingleton<IWebhookStateStore>(new FailingWebhookStateStore(new MemoryWebhookStateStore()))),
                _ => null,
            });
            var self = (await host.WaitUntilReadyAsync()).ToString();
            if (profile == Profile.StateUnsaved)
            {
                ((FailingWebhookStateStore)host.Factory.Services.GetRequiredService<IWebhookStateStore>()).Failing = true;
            }

            if (profile == Profile.Unavailable)
            {
                host.Emulator.RefuseConnections(true);
                await host.Emulator.DropConnectionAsync().DefaultTimeout();
                await host.WaitUntilDisconnectedAsync();
            }

            return new Env(host, self);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var env in _started.Values)
            {
                await env.Host.DisposeAsync();
            }

            _lock.Dispose();
        }
    }

    /// <summary>Appends work; every read fails as the Redis store's do while Redis does not answer (its epoch may change, so SSE reads it too).</summary>
    private sealed class UnreachableInboxStore : IInboxStore, IInboxEpochReads
    {
        private readonly MemoryInboxStore _inner = new(new InboxOptions { Store = InboxStoreKind.Memory });

        public string Epoch => _inner.Epoch;
        public Task InitializeAsync(CancellationToken cancellationToken) => _inner.InitializeAsync(cancellationToken);
        public Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken) => _inner.AppendAsync(events, cancellationToken);
        public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken) => throw new InboxUnavailableException();
        public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) => throw new InboxUnavailableException();
        public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) => throw new InboxUnavailableException();
        public Task<InboxPage> ReadPageAsync(long afterSeq, int max, CancellationToken cancellationToken) => throw new InboxUnavailableException();
        public Task<InboxEpochTake> TakeInEpochAsync(int max, CancellationToken cancellationToken) => throw new InboxUnavailableException();
        public InboxStats GetStats() => _inner.GetStats();
        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    private sealed class PendingIdempotencyStore : IIdempotencyStore
    {
        public Task<IdempotencyOutcome> RunAsync(string key, ClientRequest request, Func<Task<SendResult>> send) =>
            Task.FromResult(IdempotencyOutcome.Unknown);
    }
}
