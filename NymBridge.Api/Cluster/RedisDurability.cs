using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>Whether the Redis behind the cluster keeps what it acknowledged (for <c>/status</c> and a start-up warning).</summary>
/// <param name="Durable">appendonly yes, appendfsync always or everysec, maxmemory-policy noeviction.</param>
/// <param name="Reason">What was found and what it costs; what to change when not durable.</param>
public sealed record RedisDurabilityReport(bool Durable, string Reason);

/// <summary>Reads <c>CONFIG GET appendonly appendfsync maxmemory-policy</c> and judges it.</summary>
public static class RedisDurability
{
    /// <summary>
    /// Probes over a short-lived connection of its own in admin mode: StackExchange.Redis refuses CONFIG
    /// otherwise, and the shared connection is better kept without admin mode (it also guards FLUSHALL and the like).
    /// </summary>
    public static async Task<RedisDurabilityReport> ProbeAsync(ConfigurationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var admin = options.Clone();
        admin.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(admin).WaitAsync(cancellationToken);
        return await ProbeAsync(connection, cancellationToken);
    }

    /// <summary>Probes over a connection that allows admin commands (<c>allowAdmin=true</c>).</summary>
    public static async Task<RedisDurabilityReport> ProbeAsync(IConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        RedisResult reply;
        try
        {
            reply = await redis.GetDatabase().ExecuteAsync("CONFIG", "GET", "appendonly", "appendfsync", "maxmemory-policy").WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is RedisServerException or RedisCommandException)
        {
            // Managed services often rename or forbid CONFIG (rename-command, ACLs).
            return new RedisDurabilityReport(false,
                $"Redis refused CONFIG GET ({e.Message}), so durability is unknown: make sure the server has appendonly yes, " +
                "appendfsync always (or everysec) and maxmemory-policy noeviction.");
        }

        return Judge(ToSettings(reply));
    }

    /// <summary>The verdict on the three settings (missing ones count as unknown).</summary>
    public static RedisDurabilityReport Judge(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var appendOnly = settings.GetValueOrDefault("appendonly");
        var fsync = settings.GetValueOrDefault("appendfsync");
        var policy = settings.GetValueOrDefault("maxmemory-policy");
        var problems = new List<string>();
        if (!string.Equals(appendOnly, "yes", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"appendonly is {appendOnly ?? "unknown"}: a Redis restart loses the inbox since the last snapshot, if any (set appendonly yes)");
        }

        if (fsync is not ("always" or "everysec"))
        {
            problems.Add($"appendfsync is {fsync ?? "unknown"}: the OS decides when appends reach the disk, so a machine crash loses an unknown amount (set always, or everysec)");
        }

        if (!string.Equals(policy, "noeviction", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"maxmemory-policy is {policy ?? "unknown"}: under memory pressure Redis may evict the inbox keys (set noeviction)");
        }

        if (problems.Count > 0)
        {
            return new RedisDurabilityReport(false, "Not durable: " + string.Join("; ", problems) + ". A loss starts a new epoch, so clients are told to reset.");
        }

        return fsync == "always"
            ? new RedisDurabilityReport(true, "Durable: appendonly yes, appendfsync always, maxmemory-policy noeviction: every acknowledged append is on disk.")
            : new RedisDurabilityReport(true, "Durable within a second: appendonly yes, appendfsync everysec, maxmemory-policy noeviction: a Redis or machine crash may lose the last second of appends (a new epoch then tells clients to reset).");
    }

    private static Dictionary<string, string> ToSettings(RedisResult reply)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var items = (RedisResult[])reply!;
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            if ((string?)items[i] is { } name && (string?)items[i + 1] is { } value)
            {
                settings[name] = value;
            }
        }

        return settings;
    }
}
