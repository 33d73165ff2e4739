using NymBridge.Api.Status;

namespace NymBridge.Api.Inbox;

/// <summary>The inbox's counters in <c>/status</c>: retained, dropped, evicted, pending, subscribers.</summary>
internal sealed class InboxStatusContributor(InboxWriter writer, InboxFeed feed) : IStatusContributor<InboxStatus>
{
    public string Name => "inbox";
    public InboxStatus GetStatus() => InboxStatus.From(writer, feed);
}
