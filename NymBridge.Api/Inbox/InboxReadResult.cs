namespace NymBridge.Api.Inbox;

/// <summary>One answer of <c>GET /messages</c>: the events, where the reader stands now, and whether it missed anything.</summary>
/// <param name="Events">Oldest first; empty when nothing arrived within the wait.</param>
/// <param name="Cursor">
/// What to send back as <c>after</c>: the seq of the last event returned, or, when none, the cursor the read
/// started from (for a queue read the queue cursor; after a reset 0; after a gap the seq just before the oldest retained).
/// </param>
/// <param name="Epoch">The store's epoch, to send back with the cursor.</param>
/// <param name="Reset">The caller's epoch was another store's: its cursor meant nothing, the read started from the oldest retained event.</param>
/// <param name="Truncated">Events after the cursor were evicted before this reader saw them: there is a gap before the first event returned.</param>
public sealed record InboxReadResult(IReadOnlyList<InboxEvent> Events, long Cursor, string Epoch, bool Reset, bool Truncated);
