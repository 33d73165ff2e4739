namespace NymBridge.Api.Inbox;

/// <summary>Read-only inbox counters, for the metrics and for webhooks' retention checks: cheap, never touch the disk.</summary>
public interface IInboxCounters
{
    /// <summary>The store's running totals: retained events and bytes, seq range, queue cursor, dropped, evicted.</summary>
    InboxStats Store { get; }

    /// <summary>Received events stored since start.</summary>
    long CommittedReceived { get; }

    /// <summary>Error events stored since start.</summary>
    long CommittedErrors { get; }
}
