using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Cluster;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Tests.Cluster;

public sealed class LeaderForwarderTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private const string InternalKey = "0123456789abcdef0123456789abcdef-internal";
    private readonly Locator _locator = new();
    private readonly ServiceProvider _services;

    public LeaderForwarderTests()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = "!/nonexistent/redis.sock",
            ["Cluster:InstanceId"] = "follower",
            ["Cluster:LeaderEligible"] = "false",
            ["Cluster:InternalKey"] = InternalKey,
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddCluster(configuration);
        services.AddSingleton<ILeaderLocator>(_locator);
        _services = services.BuildServiceProvider();
    }

    private LeaderForwarder Forwarder => _services.GetRequiredService<LeaderForwarder>();

    private static readonly byte[] Frame = [0, 1, 2, 255];

    [Fact]
    public async Task A_frame_arrives_whole_with_the_internal_key_and_a_lane_send_returns_the_leaders_queue_length()
    {
        await using var leader = await FakeLeader.StartAsync(async http =>
        {
            if (http.Request.Query.ContainsKey("lane"))
            {
                http.Response.ContentType = "application/json; charset=utf-8";
                await http.Response.WriteAsync("""{"lane":9,"queueLength":4}""");
                return;
            }

            http.Response.StatusCode = 204;
        });
        _locator.Leader = Leader("a", new Uri(leader.Url, "/base/"));

        Assert.Null(await Forwarder.ForwardAsync(Frame, lane: null, default).WaitAsync(Timeout));
        var answer = await Forwarder.ForwardAsync(Frame, lane: 9, default).WaitAsync(Timeout);

        Assert.Equal(new LaneQueueLengthResponse(9, 4), answer);
        Assert.Equal(
            ["/base/internal/cluster/frames", "/base/internal/cluster/frames?lane=9"],
            leader.Received.Select(r => r.PathAndQuery));
        Assert.All(leader.Received, r =>
        {
            Assert.Equal(("POST", "application/octet-stream", InternalKey), (r.Method, r.ContentType, r.InternalKey));
            Assert.Equal(Frame, r.Body);
        });
        Assert.True(_services.GetRequiredService<InternalKeyCheck>().IsValid(leader.Received[0].InternalKey));
    }

    [Fact]
    public async Task A_refusal_by_the_leader_is_not_sent_with_its_detail_and_retry_after()
    {
        await using var leader = await FakeLeader.StartAsync(async http =>
        {
            http.Response.StatusCode = 503;
            http.Response.ContentType = "application/problem+json";
            http.Response.Headers.RetryAfter = "7";
            await http.Response.WriteAsync("""{"status":503,"detail":"nym-client is not connected; the bridge is reconnecting."}""");
        });
        _locator.Leader = Leader("a", leader.Url);

        var error = await Assert.ThrowsAsync<NymUnavailableException>(() => Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));

        Assert.Equal(("nym-client is not connected; the bridge is reconnecting.", 7, false), (error.Message, error.RetryAfterSeconds, error.MaybeSent));
        // Read anew, but the same leader and term: not tried twice.
        Assert.Single(leader.Received);
        Assert.Equal(1, _locator.Refreshes);
    }

    [Fact]
    public async Task A_leader_that_refuses_the_internal_key_is_not_sent_and_says_which_setting_to_fix()
    {
        await using var leader = await FakeLeader.StartAsync(http => { http.Response.StatusCode = 403; return Task.CompletedTask; });
        _locator.Leader = Leader("a", leader.Url);

        var error = await Assert.ThrowsAsync<NymUnavailableException>(() => Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));

        Assert.False(error.MaybeSent);
        Assert.Contains("Cluster:InternalKey", error.Message);
    }

    [Fact]
    public async Task No_leader_known_is_not_sent_with_a_quarter_of_the_lease_as_retry_after()
    {
        _locator.Leader = null;

        var error = await Assert.ThrowsAsync<NymUnavailableException>(() => Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));

        Assert.Equal(("No instance holds the nym-client connection right now; retry after 4 s.", 4, false), (error.Message, error.RetryAfterSeconds, error.MaybeSent));
    }

    [Fact]
    public async Task A_leader_that_nothing_listens_for_is_not_sent()
    {
        Uri closed;
        await using (var gone = await FakeLeader.StartAsync(_ => Task.CompletedTask))
        {
            closed = gone.Url;
        }

        _locator.Leader = Leader("a", closed);

        var error = await Assert.ThrowsAsync<NymUnavailableException>(() => Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));

        Assert.False(error.MaybeSent);
        Assert.StartsWith("No instance holds the nym-client connection right now", error.Message);
        Assert.Equal(1, _locator.Refreshes);
    }

    [Fact]
    public async Task An_unreachable_cached_leader_is_replaced_by_the_one_redis_names_now()
    {
        Uri closed;
        await using (var gone = await FakeLeader.StartAsync(_ => Task.CompletedTask))
        {
            closed = gone.Url;
        }

        await using var successor = await FakeLeader.StartAsync(http => { http.Response.StatusCode = 204; return Task.CompletedTask; });
        _locator.Leader = Leader("a", closed);
        _locator.Fresh = Leader("b", successor.Url) with { Term = 2 };

        Assert.Null(await Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));
        Assert.Equal(Frame, Assert.Single(successor.Received).Body);
    }

    [Fact]
    public async Task A_leader_that_drops_the_request_after_taking_it_may_have_sent_it_and_is_not_retried()
    {
        await using var leader = await FakeLeader.StartAsync(http => { http.Abort(); return Task.CompletedTask; });
        _locator.Leader = Leader("a", leader.Url);

        var error = await Assert.ThrowsAsync<NymUnavailableException>(() => Forwarder.ForwardAsync(Frame, null, default).WaitAsync(Timeout));

        Assert.True(error.MaybeSent);
        Assert.Contains("same Idempotency-Key", error.Message);
        // Not retried elsewhere: it may have gone out.
        Assert.Equal(0, _locator.Refreshes);
    }

    [Fact]
    public void The_internal_key_check_accepts_only_the_exact_key()
    {
        var check = _services.GetRequiredService<InternalKeyCheck>();
        Assert.True(check.IsValid(InternalKey));
        Assert.False(check.IsValid(InternalKey + "x"));
        Assert.False(check.IsValid(InternalKey[..^1]));
        Assert.False(check.IsValid(InternalKey.ToUpperInvariant()));
        Assert.False(check.IsValid(""));
        Assert.False(check.IsValid(null));

        var one = new DefaultHttpContext();
        one.Request.Headers[InternalKeyCheck.HeaderName] = InternalKey;
        Assert.True(check.IsForwarded(one.Request));
        var two = new DefaultHttpContext();
        two.Request.Headers[InternalKeyCheck.HeaderName] = new Microsoft.Extensions.Primitives.StringValues([InternalKey, "other"]);
        Assert.False(check.IsForwarded(two.Request));
        Assert.False(check.IsForwarded(new DefaultHttpContext().Request));
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private static LeaderInfo Leader(string id, Uri url) => new(id, url, DateTimeOffset.UnixEpoch, 1);

    private sealed class Locator : ILeaderLocator
    {
        public LeaderInfo? Leader { get; set; }
        public LeaderInfo? Fresh { get; set; }
        public int Refreshes { get; private set; }

        public Task<LeaderInfo?> RefreshLeaderAsync()
        {
            Refreshes++;
            if (Fresh is not null)
            {
                Leader = Fresh;
            }

            return Task.FromResult(Leader);
        }
    }
}
