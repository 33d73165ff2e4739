using NymBridge.Tests.Common;
using NymBridge.Api.Cluster;
using NymBridge.Tests.Inbox;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

public sealed class RedisDurabilityTests
{
    [Fact]
    public async Task Aof_with_fsync_always_and_noeviction_is_durable()
    {
        await using var server = await RedisServer.StartAsync();

        var report = await RedisDurability.ProbeAsync(Options(server), CancellationToken.None).DefaultTimeout();

        Assert.True(report.Durable, report.Reason);
        Assert.Contains("appendfsync always", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fsync_left_to_the_os_and_an_eviction_policy_are_not_durable_and_the_reason_names_both()
    {
        await using var server = await RedisServer.StartAsync("--appendfsync", "no", "--maxmemory-policy", "allkeys-lru");

        var report = await RedisDurability.ProbeAsync(Options(server), CancellationToken.None).DefaultTimeout();

        Assert.False(report.Durable);
        Assert.Contains("appendfsync is no", report.Reason, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy is allkeys-lru", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_refuses_config_gives_an_unknown_verdict_with_the_reason()
    {
        await using var server = await RedisServer.StartAsync("--rename-command", "CONFIG", string.Empty);

        var report = await RedisDurability.ProbeAsync(Options(server), CancellationToken.None).DefaultTimeout();

        Assert.False(report.Durable);
        Assert.Contains("refused CONFIG GET", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Everysec_is_durable_within_a_second()
    {
        var report = RedisDurability.Judge(new Dictionary<string, string> { ["appendonly"] = "yes", ["appendfsync"] = "everysec", ["maxmemory-policy"] = "noeviction" });

        Assert.True(report.Durable);
        Assert.Contains("last second", report.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_aof_it_is_not_durable()
    {
        var report = RedisDurability.Judge(new Dictionary<string, string> { ["appendonly"] = "no", ["appendfsync"] = "everysec", ["maxmemory-policy"] = "noeviction" });

        Assert.False(report.Durable);
        Assert.Contains("appendonly is no", report.Reason, StringComparison.Ordinal);
    }

    private static ConfigurationOptions Options(RedisServer server) => new()
    {
        EndPoints = { new System.Net.Sockets.UnixDomainSocketEndPoint(server.SocketPath) },
    };
}
