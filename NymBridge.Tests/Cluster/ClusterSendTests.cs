using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Api.Cluster;
using NymBridge.Api.Sending;
using NymBridge.Emulator;
using NymBridge.Protocol;
using NymBridge.Tests.Emulator;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// Sends through any instance: a leader and a follower (two app hosts) sharing one real redis-server, the leader
/// connected to one emulator. The follower holds no socket; everything it sends arrives through the leader's.
/// </summary>
[Collection(SharedRedis.Name)]
public sealed class ClusterSendTests(RedisServer redis) : IAsyncLifetime
{
    private static readonly SenderTag Tag = SenderTag.FromBytes([.. Enumerable.Range(1, 16).Select(i => (byte)i)]);

    private readonly string _cluster = "send-" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<ClusterNode> _nodes = [];
    private NymClientEmulator _emulator = null!;

    public async Task InitializeAsync() => _emulator = await TestEmulator.StartAsync(new EmulatorOptions { QueueLengthReport = 3 });

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }

        await _emulator.DisposeAsync();
    }

    private string Self => _emulator.Address.ToString();

    [Fact]
    public async Task Sends_through_the_follower_reach_nym_client_as_the_very_bytes_the_leader_writes_for_the_same_requests()
    {
        var (leader, follower) = await StartPairAsync();
        var large = RandomNumberGenerator.GetBytes(300_000);

        foreach (var node in new[] { follower, leader })
        {
            await AssertStatusAsync(HttpStatusCode.Accepted, node.Client.PostAsJsonAsync("/send", new { recipient = Self, message = "hello ✓" }));
            using var raw = new ByteArrayContent(large);
            raw.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            await AssertStatusAsync(HttpStatusCode.Accepted, node.Client.PostAsync($"/send-anonymous?recipient={Uri.EscapeDataString(Self)}&replySurbs=3", raw));
            await AssertStatusAsync(HttpStatusCode.Accepted, node.Client.PostAsJsonAsync("/reply", new { senderTag = Tag.ToString(), messageBase64 = "AAEC/w==" }));
        }

        ClientRequest[] expected =
        [
            new SendRequest(_emulator.Address, "hello ✓"u8.ToArray()),
            new SendAnonymousRequest(_emulator.Address, large, 3),
            new ReplyRequest(Tag, new byte[] { 0, 1, 2, 255 }),
        ];
        var frames = await SentFramesAsync(6);
        // The follower's three frames, then the leader's (single mode's path: the local connection): equal, and as nym encodes them.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(RequestCodec.Encode(expected[i]), frames[i]);
            Assert.Equal(frames[i + 3], frames[i]);
        }

        Assert.False(IsConnected(follower), "the follower holds no nym-client socket of its own");
        Assert.Equal(1, _emulator.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_lane_send_and_a_queue_length_through_the_follower_answer_the_leaders_lane()
    {
        var (_, follower) = await StartPairAsync();

        using var sent = await follower.Client.PostAsJsonAsync("/send", new { recipient = Self, message = "on a lane", connectionId = 7 }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(new SendResult(9, 7, 3), await sent.Content.ReadFromJsonAsync<SendResult>());

        using var queue = await follower.Client.GetAsync("/connections/7/queue-length").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, queue.StatusCode);
        Assert.Equal("""{"lane":7,"queueLength":3}""", await queue.Content.ReadAsStringAsync());
        Assert.Equal(RequestCodec.Encode(new SendRequest(_emulator.Address, "on a lane"u8.ToArray(), 7)), (await SentFramesAsync(2))[0]);
    }

    [Fact]
    public async Task A_hub_client_of_the_follower_sees_the_leaders_connection_and_sends_through_it()
    {
        var (_, follower) = await StartPairAsync();
        await using var hub = follower.CreateHubConnection();
        var status = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("status", s => status.TrySetResult(s));
        await hub.StartAsync().DefaultTimeout();

        var pushed = await status.Task.DefaultTimeout();
        Assert.True(pushed.GetProperty("connected").GetBoolean());
        Assert.Equal(Self, pushed.GetProperty("selfAddress").GetString());

        var result = await hub.InvokeAsync<SendResult>("Send", new { recipient = Self, message = "from the hub" }).DefaultTimeout();

        Assert.Equal(new SendResult(12), result);
        Assert.Equal(RequestCodec.Encode(new SendRequest(_emulator.Address, "from the hub"u8.ToArray())), Assert.Single(await SentFramesAsync(1)));
    }

    [Fact]
    public async Task The_follower_answers_self_address_and_status_with_the_leaders_connection()
    {
        var (_, follower) = await StartPairAsync();

        using var self = await follower.Client.GetAsync("/self-address").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        Assert.Equal(Self, (await self.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("address").GetString());

        var status = await follower.Client.GetFromJsonAsync<JsonElement>("/status").DefaultTimeout();
        var nym = status.GetProperty("nymClient");
        Assert.True(nym.GetProperty("connected").GetBoolean());
        Assert.Equal(Self, nym.GetProperty("selfAddress").GetString());
    }

    [Fact]
    public async Task When_the_leaders_nym_client_goes_and_comes_back_the_follower_tells_its_callers()
    {
        var (_, follower) = await StartPairAsync();
        _emulator.RefuseConnections(true);
        await _emulator.DropConnectionAsync().DefaultTimeout();

        await Eventually.WaitUntilAsync(() => !follower.Nym.GetStatus().Connected, () => follower.Nym.NextStatusChange, "the follower sees the leader disconnected");
        Assert.Null(follower.Nym.SelfAddress);
        using var gone = await follower.Client.GetAsync("/self-address").DefaultTimeout();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, gone.StatusCode);

        _emulator.RefuseConnections(false);
        Assert.Equal(_emulator.Address, await follower.Nym.WaitForSelfAddressAsync(CancellationToken.None).DefaultTimeout());
    }

    [Fact]
    public async Task A_follower_trusts_the_published_connection_only_of_the_instance_that_holds_the_lease()
    {
        var keys = new ClusterKeys(_cluster);
        var db = redis.Connection.GetDatabase();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await db.HashSetAsync(keys.Nym, [new("connected", "1"), new("address", Self), new("instanceId", "ghost"), new("since", now)]);
        await db.StringSetAsync(keys.Leader, $"2|{now}|ghost|http://ghost.test/", TimeSpan.FromMinutes(1));
        var follower = Add(ClusterNode.Start(redis, _cluster, "follower", eligible: false));
        Assert.Equal(_emulator.Address, await follower.Nym.WaitForSelfAddressAsync(CancellationToken.None).DefaultTimeout());

        // "ghost" loses the lease to "other", which has published nothing yet: ghost's word now counts for nothing.
        await db.StringSetAsync(keys.Leader, $"3|{now}|other|http://other.test/", TimeSpan.FromMinutes(1));
        await Eventually.WaitUntilAsync(() => follower.Nym.SelfAddress is null, () => follower.Nym.NextStatusChange, "the follower drops the stale state");
        using var stale = await follower.Client.GetAsync("/self-address").DefaultTimeout();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stale.StatusCode);
    }

    [Fact]
    public async Task Without_a_leader_a_send_is_a_503_with_retry_after_and_nothing_is_written()
    {
        var alone = Add(ClusterNode.Start(redis, _cluster, "alone", eligible: false));

        using var response = await alone.Client.PostAsJsonAsync("/send", new { recipient = Self, message = "nobody leads" }).DefaultTimeout();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Contains("No instance holds the nym-client connection right now", await response.Content.ReadAsStringAsync());
        using var self = await alone.Client.GetAsync("/self-address").DefaultTimeout();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, self.StatusCode);
        Assert.Empty(SentFrames());
    }

    [Fact]
    public async Task The_same_idempotency_key_on_two_instances_sends_once()
    {
        var (leader, follower) = await StartPairAsync();

        using var first = await SendWithKeyAsync(follower, "order-1", "pay 5");
        using var second = await SendWithKeyAsync(leader, "order-1", "pay 5");
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, second.StatusCode));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        // A marker after both: a second "pay 5" would have been written before it, on the one socket.
        using var marker = await SendWithKeyAsync(leader, "order-2", "marker");
        var frames = await SentFramesAsync(2);
        Assert.Equal([RequestCodec.Encode(new SendRequest(_emulator.Address, "pay 5"u8.ToArray())), RequestCodec.Encode(new SendRequest(_emulator.Address, "marker"u8.ToArray()))], frames);
    }

    [Fact]
    public async Task A_key_whose_forward_went_unanswered_stays_pending_and_its_retry_is_a_409_not_a_second_send()
    {
        await using var silent = await FakeLeader.StartAsync(http => { http.Abort(); return Task.CompletedTask; });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await redis.Connection.GetDatabase().StringSetAsync(new ClusterKeys(_cluster).Leader, $"1|{now}|silent|{silent.Url}", TimeSpan.FromMinutes(1));
        var follower = Add(ClusterNode.Start(redis, _cluster, "follower", eligible: false));

        using var first = await SendWithKeyAsync(follower, "order-9", "pay 9");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("may have been sent", await first.Content.ReadAsStringAsync());

        using var retry = await SendWithKeyAsync(follower, "order-9", "pay 9");
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        var problem = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Outcome unknown.", problem.GetProperty("title").GetString());
        Assert.Equal(SendEndpoints.OutcomeUnknownDetail, problem.GetProperty("detail").GetString());
        var received = Assert.Single(silent.Received);
        Assert.Equal(RequestCodec.Encode(new SendRequest(_emulator.Address, "pay 9"u8.ToArray())), received.Body);
    }

    [Fact]
    public async Task The_internal_endpoint_takes_only_the_internal_key_and_frames_nym_client_would_accept_and_only_on_the_leader()
    {
        // A rate limit of one request a second on the leader: the internal endpoint is not limited (each instance limits its own callers).
        var (leader, follower) = await StartPairAsync(new Dictionary<string, string?> { ["Bridge:RateLimit:PermitsPerSecond"] = "1" });
        var frame = RequestCodec.Encode(new SendRequest(_emulator.Address, "direct"u8.ToArray()));

        // No API key on these either: the internal key is the only credential the endpoint asks for.
        Assert.Equal(HttpStatusCode.Unauthorized, await PostFrameAsync(leader, frame, key: null));
        Assert.Equal(HttpStatusCode.Forbidden, await PostFrameAsync(leader, frame, key: ClusterNode.InternalKey + "x"));
        Assert.Equal(HttpStatusCode.BadRequest, await PostFrameAsync(leader, [9, 1, 2], ClusterNode.InternalKey));
        Assert.Equal(HttpStatusCode.BadRequest, await PostFrameAsync(leader, frame[..50], ClusterNode.InternalKey));
        Assert.Equal(HttpStatusCode.BadRequest, await PostFrameAsync(leader, [(byte)RequestTag.SelfAddress], ClusterNode.InternalKey));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PostFrameAsync(follower, frame, ClusterNode.InternalKey));
        Assert.Empty(SentFrames());

        Assert.Equal(HttpStatusCode.NoContent, await PostFrameAsync(leader, frame, ClusterNode.InternalKey));
        Assert.Equal(frame, Assert.Single(await SentFramesAsync(1)));
    }

    private async Task<(ClusterNode Leader, ClusterNode Follower)> StartPairAsync(IDictionary<string, string?>? leaderSettings = null)
    {
        var leader = Add(ClusterNode.Start(redis, _cluster, "leader", eligible: true, _emulator.Url, extra: leaderSettings));
        await leader.Nym.WaitForSelfAddressAsync(CancellationToken.None).DefaultTimeout();
        var follower = Add(ClusterNode.Start(redis, _cluster, "follower", eligible: false, leader: leader));
        await follower.Nym.WaitForSelfAddressAsync(CancellationToken.None).DefaultTimeout();
        return (leader, follower);
    }

    private ClusterNode Add(ClusterNode node)
    {
        _nodes.Add(node);
        return node;
    }

    private static bool IsConnected(ClusterNode node) =>
        ((Api.Nym.NymConnection)node.Services.GetService(typeof(Api.Nym.NymConnection))!).GetStatus().Connected;

    private byte[][] SentFrames() =>
        [.. _emulator.ReceivedFrames.Where(f => !(f.Data.Length == 1 && f.Data[0] == (byte)RequestTag.SelfAddress)).Select(f => f.Data)];

    /// <summary>The frames sent besides SelfAddress questions, once there are <paramref name="count"/>.</summary>
    private async Task<byte[][]> SentFramesAsync(int count)
    {
        await Eventually.WaitUntilAsync(() => SentFrames().Length >= count, $"{count} frames at the emulator");
        return SentFrames();
    }

    private static async Task AssertStatusAsync(HttpStatusCode expected, Task<HttpResponseMessage> send)
    {
        using var response = await send.DefaultTimeout();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<HttpResponseMessage> SendWithKeyAsync(ClusterNode node, string key, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/send") { Content = JsonContent.Create(new { recipient = Self, message }) };
        request.Headers.Add("Idempotency-Key", key);
        return await node.Client.SendAsync(request).DefaultTimeout();
    }

    private static async Task<HttpStatusCode> PostFrameAsync(ClusterNode node, byte[] frame, string? key)
    {
        using var client = node.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, LeaderForwarder.FramesPath) { Content = new ByteArrayContent(frame) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (key is not null)
        {
            request.Headers.Add(InternalKeyCheck.HeaderName, key);
        }

        using var response = await client.SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }
}
