using NymBridge.Api.Inbox;

namespace NymBridge.Api.Cluster;

/// <summary>One replay read of the Redis inbox, with the state it was read in (one script, so they agree).</summary>
/// <param name="Epoch">The epoch the events belong to.</param>
/// <param name="Events">Retained events after the cursor, oldest first; the first seq above cursor + 1 means a gap.</param>
/// <param name="Stats">The log's state when the events were read.</param>
public sealed record RedisInboxPage(string Epoch, IReadOnlyList<InboxEvent> Events, InboxStats Stats);
