using NymBridge.Api.Status;

namespace NymBridge.Api.Webhooks;

/// <summary>The <c>webhooks</c> component of <c>/status</c>: each endpoint's state and counters (no URL, no secret).</summary>
internal sealed class WebhookStatusContributor(WebhookDispatcher dispatcher) : IStatusContributor<IReadOnlyList<WebhookEndpointStatus>>
{
    public string Name => "webhooks";

    public IReadOnlyList<WebhookEndpointStatus> GetStatus() => dispatcher.Endpoints.Select(e => e.GetSummary()).Select(s => new WebhookEndpointStatus(
        s.Name, s.Enabled, s.DisabledReason, s.Cursor, s.Pending, s.InFlight, s.Delivered, s.Failed, s.Dropped,
        s.RepliesSent, s.RepliesRefused, s.LastSuccessAt, s.LastError, s.NextAttemptAt, s.StateError)).ToList();
}

/// <summary>One endpoint in the <c>webhooks</c> component of <c>/status</c>: its <see cref="WebhookSummary"/> without URL and events.</summary>
public sealed record WebhookEndpointStatus(
    string Name, bool Enabled, string? DisabledReason, long Cursor, long Pending, int InFlight, long Delivered, long Failed, long Dropped,
    long RepliesSent, long RepliesRefused, DateTimeOffset? LastSuccessAt, WebhookError? LastError, DateTimeOffset? NextAttemptAt,
    WebhookError? StateError);
