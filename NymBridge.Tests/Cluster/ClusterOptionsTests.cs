using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;
using NymBridge.Api.Nym;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

public sealed class ClusterOptionsTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Every_problem_of_the_section_is_reported_at_once_without_echoing_the_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["Cluster:Redis"] = "!relative/redis.sock",
            ["Cluster:Name"] = "{bad}",
            ["Cluster:InstanceId"] = "a b",
            ["Cluster:LeaderEligible"] = "true",
            ["Cluster:InternalKey"] = "short-secret",
            ["Cluster:LeaseTime"] = "00:00:00.500",
        }));

        Assert.Equal(6, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:Redis must give the unix socket as an absolute path", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:Name must be", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:InstanceId must be", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:AdvertisedUrl is required", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:InternalKey must be at least 32", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:LeaseTime must be", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Failures, f => f.Contains("short-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_key_a_relative_advertised_url_and_a_bad_redis_option_are_each_named()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["Cluster:Redis"] = "localhost:6379,nosuchoption=1",
            ["Cluster:AdvertisedUrl"] = "/relative",
        }));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:Redis is not a valid StackExchange.Redis configuration string", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:AdvertisedUrl must be an absolute http:// or https:// URL", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Cluster:InternalKey is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_redis_cluster_mode_is_off_and_nothing_else_is_required()
    {
        var options = Resolve(new() { ["Cluster:Name"] = "{ignored}" });
        Assert.False(options.Enabled);
    }

    [Fact]
    public void Defaults_a_unique_instance_id_and_eligibility_from_a_loopback_nym_client()
    {
        var local = Resolve(Valid());
        Assert.Equal(ClusterOptions.DefaultName, local.Name);
        Assert.Equal(TimeSpan.FromSeconds(15), local.LeaseTime);
        Assert.True(local.LeaderEligible);
        Assert.Matches("^[A-Za-z0-9._-]+-[0-9a-f]{6}$", local.InstanceId);
        Assert.NotEqual(local.InstanceId, Resolve(Valid()).InstanceId);

        var remote = Resolve(Valid(("Nym:ClientUrl", "ws://nym.example:1977"), ("Cluster:AdvertisedUrl", null)));
        Assert.False(remote.LeaderEligible);

        var ipv6 = Resolve(Valid(("Nym:ClientUrl", "ws://[::1]:1977")));
        Assert.True(ipv6.LeaderEligible);

        var overridden = Resolve(Valid(("Nym:ClientUrl", "ws://nym.example:1977"), ("Cluster:LeaderEligible", "true"), ("Cluster:InstanceId", "node-1")));
        Assert.True(overridden.LeaderEligible);
        Assert.Equal("node-1", overridden.InstanceId);
    }

    [Fact]
    public async Task A_unix_socket_configuration_connects()
    {
        await using var redis = await RedisServer.StartAsync("--appendonly", "no");

        var options = RedisConnection.Parse(redis.Configuration + ",name=bridge-test,connectTimeout=2000");
        Assert.Equal("bridge-test", options.ClientName);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(connection.IsConnected);
        Assert.True(await connection.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(10)) < TimeSpan.FromSeconds(10));
        await connection.GetDatabase().StringSetAsync("probe", "1").WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("1", (string?)await connection.GetDatabase().StringGetAsync("probe").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_status_names_role_leader_term_and_redis_state_and_nothing_secret()
    {
        var leader = new LeaderInfo("node-a", new Uri("http://10.0.0.5:5000/"), DateTimeOffset.FromUnixTimeMilliseconds(1_764_640_000_123), 3);
        var status = ClusterStatus.Build("node-b", ClusterRole.Follower, leader, redisConnected: true, durable: false, "appendonly is no: a Redis restart loses the inbox.");

        var json = JsonSerializer.Serialize(status, JsonSerializerOptions.Web);
        Assert.Equal(
            """{"instanceId":"node-b","role":"follower","leader":{"instanceId":"node-a","url":"http://10.0.0.5:5000/","since":"2025-12-02T01:46:40.123+00:00"},"term":3,"redis":{"connected":true,"durable":false,"reason":"appendonly is no: a Redis restart loses the inbox."}}""",
            json);

        var alone = ClusterStatus.Build("node-a", ClusterRole.Leader, leader: null, redisConnected: false, durable: null, "Redis is not connected.");
        Assert.Equal(("leader", null, null, false), (alone.Role, alone.Leader, alone.Term, alone.Redis.Connected));
    }

    private static Dictionary<string, string?> Valid(params (string Key, string? Value)[] changes)
    {
        var values = new Dictionary<string, string?>
        {
            ["Cluster:Redis"] = "!/run/redis/redis.sock",
            ["Cluster:AdvertisedUrl"] = "http://127.0.0.1:5000",
            ["Cluster:InternalKey"] = Key,
        };
        foreach (var (key, value) in changes)
        {
            values[key] = value;
        }

        return values;
    }

    private static ClusterOptions Resolve(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddOptions<NymOptions>().Bind(configuration.GetSection(NymOptions.Section));
        services.AddCluster(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ClusterOptions>>().Value;
    }
}
