using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Checks every endpoint and reports every problem at once, so a misconfigured bridge refuses to start
/// with the whole list instead of one error per attempt.
/// </summary>
internal sealed partial class WebhookOptionsValidator(IConfiguration configuration) : IValidateOptions<WebhooksOptions>
{
    public const int MaxConcurrency = 64;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();

    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        var errors = new List<string>();
        if (options.Endpoints.Count > 0 && !string.IsNullOrWhiteSpace(configuration[$"{Cluster.ClusterOptions.Section}:{nameof(Cluster.ClusterOptions.Redis)}"]))
        {
            // Each instance would deliver every event, and the delivery state lives in one instance's file.
            errors.Add("Webhooks are not supported in cluster mode yet: remove Webhooks:Endpoints (and --webhook), or Cluster:Redis.");
        }

        foreach (var duplicate in CaseDuplicates())
        {
            errors.Add($"Webhooks:Endpoints has {duplicate}: names are case-insensitive, give each endpoint one name.");
        }

        foreach (var (endpoint, o) in options.Endpoints)
        {
            var key = $"Webhooks:Endpoints:{endpoint}";
            if (!NamePattern().IsMatch(endpoint))
            {
                errors.Add($"{key}: the name must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'.");
            }

            if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add(o.Url is null ? $"{key}:Url is required: an absolute http:// or https:// URL." : $"{key}:Url must be an absolute http:// or https:// URL.");
            }

            if (o.Secret is null)
            {
                errors.Add($"{key}:Secret is required: whsec_ followed by the Base64 of 24 to 64 random bytes (or '{WebhookEndpointOptions.GeneratedSecret}' to have one generated and kept).");
            }
            else if (o.Secret != WebhookEndpointOptions.GeneratedSecret && !WebhookSecret.TryDecode(o.Secret, out _))
            {
                // Never echo the value: it is a secret, even when wrong.
                errors.Add($"{key}:Secret must be whsec_ followed by the Base64 of 24 to 64 random bytes (e.g. 'whsec_' + `openssl rand -base64 32`).");
            }

            foreach (var type in o.EffectiveEvents)
            {
                if (!type.Equals(WebhookEndpointOptions.ReceivedEvent, StringComparison.OrdinalIgnoreCase)
                    && !type.Equals(WebhookEndpointOptions.ErrorEvent, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{key}:Events has an unknown event type '{Truncate(type)}': use \"received\" and/or \"error\".");
                }
            }

            if (o.Timeout <= TimeSpan.Zero || o.Timeout > TimeSpan.FromMinutes(10))
            {
                errors.Add($"{key}:Timeout must be more than 0 and at most 00:10:00; got {o.Timeout}.");
            }

            if (o.Concurrency is < 1 or > MaxConcurrency)
            {
                errors.Add($"{key}:Concurrency must be from 1 to {MaxConcurrency}; got {o.Concurrency}.");
            }

            if (o.ReplyWindow < TimeSpan.Zero || o.ReplyWindow > TimeSpan.FromDays(1))
            {
                errors.Add($"{key}:ReplyWindow must be from 00:00:00 to 1.00:00:00; got {o.ReplyWindow}.");
            }

            var schedule = o.EffectiveRetrySchedule;
            if (schedule.Count > 50)
            {
                errors.Add($"{key}:RetrySchedule has {schedule.Count} entries; at most 50.");
            }

            for (var i = 0; i < schedule.Count; i++)
            {
                if (schedule[i] <= TimeSpan.Zero || schedule[i] > MaxDelay)
                {
                    errors.Add($"{key}:RetrySchedule:{i} must be more than 0 and at most 7.00:00:00; got {schedule[i]}.");
                }
            }

            if (!o.StartFrom.Equals(WebhookEndpointOptions.StartFromNew, StringComparison.OrdinalIgnoreCase)
                && !o.StartFrom.Equals(WebhookEndpointOptions.StartFromOldest, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:StartFrom must be \"new\" or \"oldest\"; got '{Truncate(o.StartFrom)}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Configuration keys are case-insensitive, so <c>Shop</c> in one source and <c>shop</c> in another
    /// silently merge into one endpoint; report that instead of guessing.
    /// </summary>
    private IEnumerable<string> CaseDuplicates()
    {
        if (configuration is not IConfigurationRoot root)
        {
            yield break;
        }

        var spellings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in root.Providers)
        {
            foreach (var key in provider.GetChildKeys([], "Webhooks:Endpoints"))
            {
                spellings.Add(key);
            }
        }

        foreach (var group in spellings.GroupBy(s => s, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return $"duplicate names {string.Join(" and ", group.Order(StringComparer.Ordinal).Select(n => $"'{n}'"))}";
        }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
