using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Inbox;

namespace NymBridge.Tests.Common;

/// <summary>The hosted bridge's inbox as tests look at it: the feed readers use, and the <c>/status</c> counters.</summary>
public sealed class InboxProbe(IServiceProvider services)
{
    public IInboxFeed Feed => services.GetRequiredService<IInboxFeed>();

    public string Epoch => Feed.Epoch;

    public InboxStatus GetStatus() => InboxStatus.From(services.GetRequiredService<InboxWriter>(), services.GetRequiredService<InboxFeed>());

    /// <summary>A queue read when <paramref name="afterSeq"/> is null, else a replay; the events only.</summary>
    public async Task<IReadOnlyList<InboxEvent>> WaitForEventsAsync(long? afterSeq, int max, TimeSpan wait, CancellationToken cancellationToken) =>
        (await Feed.ReadAsync(afterSeq, null, max, wait, cancellationToken)).Events;
}
