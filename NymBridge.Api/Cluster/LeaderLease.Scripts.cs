namespace NymBridge.Api.Cluster;

/// <summary>The lease's Lua scripts: each one compare-and-act, atomic on the Redis side.</summary>
public sealed partial class LeaderLease
{
    // KEYS[1] leader, KEYS[2] term; ARGV[1] "instanceId|url", ARGV[2] lease ms. TIME: one clock for every instance's "since".
    private const string AcquireScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return false end
        local term = redis.call('INCR', KEYS[2])
        local t = redis.call('TIME')
        local value = term .. '|' .. t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000)) .. '|' .. ARGV[1]
        redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
        return value
        """;

    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;
}
