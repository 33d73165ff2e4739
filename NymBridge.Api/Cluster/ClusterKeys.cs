namespace NymBridge.Api.Cluster;

/// <summary>
/// The Redis keys of one cluster. Every key starts with the hash tag <c>{name}</c>, so on a Redis Cluster they all
/// hash to one slot and a Lua script may touch several of them.
/// </summary>
public sealed class ClusterKeys(string name)
{
    public string Name { get; } = name;

    /// <summary>A string: <c>term|sinceUnixMs|instanceId|advertisedUrl</c> of the current leader, with the lease as its TTL.</summary>
    public string Leader => $"{{{Name}}}:leader";

    /// <summary>A counter: incremented on every new acquisition of <see cref="Leader"/>.</summary>
    public string Term => $"{{{Name}}}:term";

    /// <summary>A hash <c>connected|address|instanceId|since</c>: the leader's nym-client connection as followers see it; TTL the lease.</summary>
    public string Nym => $"{{{Name}}}:nym";

    /// <summary>The channel the leader publishes on when <see cref="Nym"/> changed, so followers read it at once.</summary>
    public string NymChannel => $"{{{Name}}}:nym:changed";

    /// <summary>One idempotency key's state, named by the SHA-256 of the key (hex), never by the key itself.</summary>
    public string Idempotency(string keyHash) => $"{{{Name}}}:idem:{keyHash}";
}
