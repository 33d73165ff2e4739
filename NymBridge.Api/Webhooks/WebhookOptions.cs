namespace NymBridge.Api.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section: endpoints that get every inbound event, signed.</summary>
public sealed class WebhooksOptions
{
    public const string Section = "Webhooks";

    /// <summary>By name (<c>[A-Za-z0-9_-]{1,64}</c>); the name is the endpoint's identity in the store, the API and metrics.</summary>
    public Dictionary<string, WebhookEndpointOptions> Endpoints { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One <c>Webhooks:Endpoints:&lt;name&gt;</c> entry.</summary>
/// <remarks>
/// Lists are null until configured, and their defaults come from the Effective properties: the
/// configuration binder appends configured array elements to an initialized array instead of replacing it.
/// </remarks>
public sealed class WebhookEndpointOptions
{
    public const string ReceivedEvent = "received", ErrorEvent = "error";
    public const string StartFromNew = "new", StartFromOldest = "oldest";

    /// <summary>A Secret of this value is generated once and kept in a file (what <c>--webhook URL</c> uses).</summary>
    public const string GeneratedSecret = "generate";

    public static readonly TimeSpan[] DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5),
        TimeSpan.FromHours(10), TimeSpan.FromHours(14), TimeSpan.FromHours(20), TimeSpan.FromDays(1),
    ];

    public string? Url { get; set; }

    /// <summary><c>whsec_</c> + Base64 of 24..64 random bytes. Never logged, never shown.</summary>
    public string? Secret { get; set; }

    public string[]? Events { get; set; }

    public bool Replies { get; set; } = true;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    public int Concurrency { get; set; } = 4;

    public TimeSpan ReplyWindow { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan[]? RetrySchedule { get; set; }

    public string StartFrom { get; set; } = StartFromNew;

    public IReadOnlyList<string> EffectiveEvents => Events is { Length: > 0 } events ? events : [ReceivedEvent];

    public IReadOnlyList<TimeSpan> EffectiveRetrySchedule => RetrySchedule ?? DefaultRetrySchedule;

    public bool Wants(Inbox.InboxEventType type) =>
        EffectiveEvents.Contains(type == Inbox.InboxEventType.Received ? ReceivedEvent : ErrorEvent, StringComparer.OrdinalIgnoreCase);
}
