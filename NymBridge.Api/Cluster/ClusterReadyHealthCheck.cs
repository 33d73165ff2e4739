using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NymBridge.Api.Status;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// <c>/health/ready</c> in cluster mode, on every instance alike: Redis reachable, and the cluster's leader connected to
/// nym-client with its address known — as the leader last wrote it to the hash <c>{name}:nym</c> (fields <c>connected</c>
/// 0|1, <c>address</c>, <c>instanceId</c>, <c>since</c>), whose TTL lapses when no leader refreshes it.
/// </summary>
/// <remarks>Any instance can send then: a follower forwards to the leader. The address is never put in the answer.</remarks>
internal sealed class ClusterReadyHealthCheck(IConnectionMultiplexer redis, IOptions<ClusterOptions> options, TimeProvider time) : IHealthCheck
{
    public const string Name = "cluster";
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The leader's nym-client state; the same key as the writer of task csend (ClusterKeys, once it has it).</summary>
    internal static string NymStateKey(string name) => $"{{{name}}}:nym";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy("Redis is not reachable (Cluster:Redis); reconnecting.");
        }

        HashEntry[] state;
        try
        {
            state = await redis.GetDatabase().HashGetAllAsync(NymStateKey(options.Value.Name)).WaitAsync(ReadTimeout, time, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Could not read the leader's state from Redis ({e.GetType().Name}); retrying.");
        }

        var fields = state.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        var leader = fields.GetValueOrDefault("instanceId") is { Length: > 0 } id ? $"The leader ({id})" : "The leader";
        return fields.Count == 0 ? HealthCheckResult.Unhealthy("No instance leads the cluster, or its leader has not reported lately; waiting for one.")
            : fields.GetValueOrDefault("connected") != "1" ? HealthCheckResult.Unhealthy($"{leader} is not connected to nym-client; it is reconnecting.")
            : string.IsNullOrEmpty(fields.GetValueOrDefault("address")) ? HealthCheckResult.Unhealthy($"{leader} is connected, waiting for nym-client to report its address.")
            : HealthCheckResult.Healthy($"{leader} is connected to nym-client.");
    }

    /// <summary>In cluster mode this check answers for readiness instead of the instance's own connection (<see cref="NymReadyHealthCheck"/>).</summary>
    internal static void ReplaceNymCheck(HealthCheckServiceOptions health)
    {
        var own = health.Registrations.Where(r => r.Name == NymReadyHealthCheck.Name).ToList();
        foreach (var registration in own)
        {
            health.Registrations.Remove(registration);
        }

        health.Registrations.Add(new HealthCheckRegistration(
            Name, static sp => ActivatorUtilities.CreateInstance<ClusterReadyHealthCheck>(sp), failureStatus: null, tags: [HealthEndpoints.ReadyTag]));
    }
}
