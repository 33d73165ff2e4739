using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The Redis names of one inbox. Every key carries the hash tag <c>{name}</c>, so in a Redis Cluster they
/// live in one slot and one Lua script may touch them all.
/// </summary>
/// <param name="Name">The cluster name (<c>Cluster:Name</c>): key prefix and hash tag.</param>
public sealed record RedisInboxKeys(string Name)
{
    /// <summary>The stream of events; entry ids are <c>&lt;seq&gt;-0</c>.</summary>
    public RedisKey Stream { get; init; } = $"{{{Name}}}:inbox";

    /// <summary>The hash of the log's state (see <see cref="RedisInboxScripts"/>).</summary>
    public RedisKey Meta { get; init; } = $"{{{Name}}}:meta";

    /// <summary>
    /// A list of the payload sizes of the retained entries, oldest first, beside the stream: eviction by bytes
    /// reads these small integers instead of the evicted payloads (XRANGE cannot leave a field out).
    /// </summary>
    public RedisKey Sizes { get; init; } = $"{{{Name}}}:sizes";

    /// <summary>The pub/sub channel where every append publishes its last seq, to wake the tails.</summary>
    public string Notifications { get; init; } = $"{{{Name}}}:appended";

    internal RedisChannel NotificationChannel => RedisChannel.Literal(Notifications);

    /// <summary>The keys in the order the scripts expect them.</summary>
    internal RedisKey[] ScriptKeys => [Stream, Meta, Sizes];
}
