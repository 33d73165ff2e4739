using NymBridge.Api.Status;

namespace NymBridge.Api.Realtime;

/// <summary>The hub's subscriber count in <c>/status</c>.</summary>
internal sealed class SubscriberStatusContributor(HubSubscriptions subscriptions) : IStatusContributor<SignalRStatus>
{
    public string Name => "signalR";
    public SignalRStatus GetStatus() => new(subscriptions.Count);
}

/// <summary>The <c>signalR</c> component of <c>/status</c>.</summary>
public sealed record SignalRStatus(int Subscribers);
