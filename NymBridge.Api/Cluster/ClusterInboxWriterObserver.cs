using NymBridge.Api.Inbox;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The writer's <see cref="IInboxCommitObserver"/> in cluster mode: nothing. Every instance, the leader included,
/// learns of commits from its <see cref="RedisInboxTail"/>, so the leader's readers see the one order all instances
/// see; telling the feed of local commits too would hand it each batch twice, and out of step with the tail.
/// </summary>
internal sealed class ClusterInboxWriterObserver : IInboxCommitObserver
{
    public void OnCommitted(IReadOnlyList<InboxEvent> committed)
    {
    }

    // The tail closes the feed when it stops.
    public void OnClosed()
    {
    }
}
