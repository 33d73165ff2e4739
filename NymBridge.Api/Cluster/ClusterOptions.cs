namespace NymBridge.Api.Cluster;

/// <summary>
/// The <c>Cluster</c> configuration section: several bridge instances sharing one Redis, one of them (the
/// leader) holding the nym-client connection. Cluster mode is on when <see cref="Redis"/> is set.
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";
    public const string DefaultName = "nymbridge";
    public const int MinInternalKeyLength = 32;

    /// <summary>A StackExchange.Redis configuration string; <c>!/path/redis.sock</c> (optionally followed by <c>,option=value</c>) for a unix socket.</summary>
    public string? Redis { get; set; }

    /// <summary>The key prefix and hash tag: every key is <c>{Name}:…</c>, so all of them live in one Redis Cluster slot.</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>This instance's name in <c>/status</c> and in the leader key; defaults to the host name and a random suffix.</summary>
    public string? InstanceId { get; set; }

    /// <summary>
    /// Whether this instance competes for the nym-client connection. Unset: eligible when <c>Nym:ClientUrl</c> is loopback,
    /// because a leader on another host that dies without a FIN leaves nym-client writing into a dead socket.
    /// </summary>
    public bool? LeaderEligible { get; set; }

    /// <summary>Where the other instances reach this one's HTTP API to forward sends (required for eligible instances).</summary>
    public string? AdvertisedUrl { get; set; }

    /// <summary>Shared by all instances; authenticates forwarded sends. Never logged, never shown.</summary>
    public string? InternalKey { get; set; }

    /// <summary>How long the leader key lives without renewal; renewed every quarter of it, given up after two thirds.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(15);

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
