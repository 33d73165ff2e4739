using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Cluster;

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

    [Fact]
    public async Task The_leaders_status_headers_and_body_come_back_verbatim_and_the_request_arrives_whole_with_the_internal_key()
    {
        await using var leader = await FakeLeader.StartAsync(async http =>
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.Headers["Idempotent-Replayed"] = "true";
            await http.Response.WriteAsync("""{"bytes":3,"lane":1,"queueLength":0}""");
        });
        _locator.Leader = Leader("a", leader.Url);
        byte[] payload = [0, 1, 2, 255];

        var result = await Forwarder.ForwardAsync(
            new ForwardedSend("POST", "/send?recipient=abc&connectionId=9", payload, "application/octet-stream", "key-1"), default).WaitAsync(Timeout);

        var response = Assert.IsType<LeaderResponse>(result.Response);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        Assert.True(response.Replayed);
        Assert.Equal("""{"bytes":3,"lane":1,"queueLength":0}""", Encoding.UTF8.GetString(response.Body));

        var received = Assert.Single(leader.Received);
        Assert.Equal(new ReceivedForward("POST", "/send?recipient=abc&connectionId=9", "application/octet-stream", "key-1", InternalKey, payload),
            received with { Body = payload });
        Assert.Equal(payload, received.Body);

        // And the leader side accepts that header.
        var check = _services.GetRequiredService<InternalKeyCheck>();
        Assert.True(check.IsValid(received.InternalKey));

        var http = await ExecuteAsync(new ForwardedHttpResult(result));
        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
        Assert.Equal("true", http.Response.Headers["Idempotent-Replayed"].ToString());
        Assert.Equal("""{"bytes":3,"lane":1,"queueLength":0}""", Body(http));
    }

    [Fact]
    public async Task A_refusal_by_the_leader_is_passed_on_with_its_retry_after()
    {
        await using var leader = await FakeLeader.StartAsync(async http =>
        {
            http.Response.StatusCode = 503;
            http.Response.ContentType = "application/problem+json";
            http.Response.Headers.RetryAfter = "7";
            await http.Response.WriteAsync("""{"status":503,"detail":"nym-client is not connected"}""");
        });
        _locator.Leader = Leader("a", new Uri(leader.Url, "/base/"));

        var result = await Forwarder.ForwardAsync(new ForwardedSend("POST", "/reply", """{"senderTag":"x"}"""u8.ToArray(), "application/json", null), default).WaitAsync(Timeout);

        var response = Assert.IsType<LeaderResponse>(result.Response);
        Assert.Equal((503, "application/problem+json", "7", false), (response.StatusCode, response.ContentType, response.RetryAfter, response.Replayed));
        Assert.Equal("""{"status":503,"detail":"nym-client is not connected"}""", Encoding.UTF8.GetString(response.Body));
        var received = Assert.Single(leader.Received);
        Assert.Equal("/base/reply", received.PathAndQuery);
        Assert.Equal("", received.IdempotencyKey);

        var http = await ExecuteAsync(new ForwardedHttpResult(result));
        Assert.Equal((503, "7"), (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString()));
    }

    [Fact]
    public async Task No_leader_known_is_a_503_with_retry_after()
    {
        _locator.Leader = null;

        var result = await Forwarder.ForwardAsync(new ForwardedSend("POST", "/send", "{}"u8.ToArray(), "application/json", null), default).WaitAsync(Timeout);

        Assert.Null(result.Response);
        Assert.False(result.MaybeSent);
        Assert.Equal(4, result.RetryAfterSeconds);
        Assert.Equal("No instance holds the nym-client connection right now; retry after 4 s.", result.Detail);
        var http = await ExecuteAsync(new ForwardedHttpResult(result));
        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("4", http.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", http.Response.ContentType);
        Assert.Contains("No instance holds the nym-client connection right now; retry after 4 s.", Body(http));
    }

    [Fact]
    public async Task A_leader_that_nothing_listens_for_is_a_503_that_says_nothing_was_sent()
    {
        Uri closed;
        await using (var gone = await FakeLeader.StartAsync(_ => Task.CompletedTask))
        {
            closed = gone.Url;
        }

        _locator.Leader = Leader("a", closed);

        var result = await Forwarder.ForwardAsync(new ForwardedSend("POST", "/send", "{}"u8.ToArray(), "application/json", "k"), default).WaitAsync(Timeout);

        Assert.Null(result.Response);
        Assert.False(result.MaybeSent);
        Assert.StartsWith("No instance holds the nym-client connection right now", result.Detail);
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

        await using var successor = await FakeLeader.StartAsync(http => { http.Response.StatusCode = 202; return Task.CompletedTask; });
        _locator.Leader = Leader("a", closed);
        _locator.Fresh = Leader("b", successor.Url) with { Term = 2 };

        var result = await Forwarder.ForwardAsync(new ForwardedSend("POST", "/send", "{}"u8.ToArray(), "application/json", "k"), default).WaitAsync(Timeout);

        Assert.Equal(202, result.Response?.StatusCode);
        Assert.Single(successor.Received);
    }

    [Fact]
    public async Task A_leader_that_drops_the_request_after_taking_it_is_a_503_that_says_it_may_have_been_sent()
    {
        await using var leader = await FakeLeader.StartAsync(http => { http.Abort(); return Task.CompletedTask; });
        _locator.Leader = Leader("a", leader.Url);

        var result = await Forwarder.ForwardAsync(new ForwardedSend("POST", "/send", "{}"u8.ToArray(), "application/json", "k"), default).WaitAsync(Timeout);

        Assert.Null(result.Response);
        Assert.True(result.MaybeSent);
        Assert.Contains("same Idempotency-Key", result.Detail);
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

    private async Task<DefaultHttpContext> ExecuteAsync(ForwardedHttpResult result)
    {
        var http = new DefaultHttpContext { RequestServices = _services };
        http.Response.Body = new MemoryStream();
        await result.ExecuteAsync(http).WaitAsync(Timeout);
        return http;
    }

    private static string Body(DefaultHttpContext http) => Encoding.UTF8.GetString(((MemoryStream)http.Response.Body).ToArray());

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
