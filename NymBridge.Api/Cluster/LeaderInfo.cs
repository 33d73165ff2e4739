using System.Globalization;

namespace NymBridge.Api.Cluster;

public enum ClusterRole
{
    Follower,
    Leader,
}

/// <summary>The instance that holds the leader lease: where to forward sends, since when, under which term.</summary>
public sealed record LeaderInfo(string InstanceId, Uri Url, DateTimeOffset Since, long Term)
{
    // term|sinceUnixMs|instanceId|url — the instance id has no '|' (validated); the URL is last, so it may.
    internal static LeaderInfo? TryParse(string? value)
    {
        var parts = value?.Split('|', 4);
        if (parts is not { Length: 4 }
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var term)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sinceMs)
            || !Uri.TryCreate(parts[3], UriKind.Absolute, out var url))
        {
            return null;
        }

        return new LeaderInfo(parts[2], url, DateTimeOffset.FromUnixTimeMilliseconds(sinceMs), term);
    }
}

/// <summary>One change of this instance's role: <paramref name="Term"/> is the term gained or lost.</summary>
public sealed record LeadershipChange(ClusterRole Role, long Term, string Reason);

/// <summary>One term of leadership of this instance; <see cref="Lost"/> is cancelled the moment it ends.</summary>
public sealed record Leadership(long Term, DateTimeOffset Since, CancellationToken Lost);
