using System.Diagnostics.Metrics;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// The webhook instruments on the <c>NymBridge.Webhooks</c> meter. Prometheus names them
/// <c>nymbridge_webhook_deliveries_total{endpoint,outcome}</c>, <c>nymbridge_webhook_delivery_duration_seconds{endpoint}</c>,
/// <c>nymbridge_webhook_replies_total{endpoint,outcome}</c> and <c>nymbridge_webhook_pending_events{endpoint}</c>.
/// The endpoint label is the configured name, never the URL.
/// </summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "NymBridge.Webhooks";
    public const string Deliveries = "nymbridge.webhook.deliveries";
    public const string Duration = "nymbridge.webhook.delivery.duration";
    public const string Replies = "nymbridge.webhook.replies";
    public const string Pending = "nymbridge.webhook.pending_events";

    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _replies;

    public WebhookMetrics(IMeterFactory meters, Func<IEnumerable<(string Endpoint, long Pending)>> pending)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>(Deliveries, description: "Delivery attempts by outcome: succeeded, retried (will be tried again) or failed (retries exhausted).");
        // Seconds, so the exporter's default boundaries (0 to 10,000, made for milliseconds) would put every delivery in one bucket.
        _duration = meter.CreateHistogram(Duration, unit: "s", description: "Time from sending a delivery to reading its answer.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _replies = meter.CreateCounter<long>(Replies, description: "Webhook answers turned into replies: sent, refused (not a valid reply) or late (after the reply window).");
        meter.CreateObservableGauge(Pending, () => pending().Select(p => new Measurement<long>(p.Pending, new KeyValuePair<string, object?>("endpoint", p.Endpoint))),
            description: "Events not yet delivered to the endpoint (admitted or still in the inbox after its cursor).");
    }

    public void Delivery(string endpoint, string outcome, TimeSpan duration)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", outcome));
        _duration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint));
    }

    public void Reply(string endpoint, string outcome) =>
        _replies.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", outcome));
}
