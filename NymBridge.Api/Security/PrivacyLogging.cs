namespace NymBridge.Api.Security;

/// <summary>
/// Who talks to whom is what a mixnet user hides, so no log line at Information or above may carry
/// a payload, an address or a sender tag. Our own log messages only carry sizes and kinds; the
/// framework's request logs carry the query string, where raw-bytes sends put the recipient or sender tag.
/// </summary>
public static class PrivacyLogging
{
    // Categories that write request URLs (with query strings) at Information.
    private static readonly string[] UrlLoggingCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.HttpLogging",
        "Microsoft.AspNetCore.W3CLogging",
    ];

    /// <summary>
    /// Caps those categories at Warning. A filter rule names its category because only the most specific
    /// rule applies: a general rule would lose to a configured "Microsoft.AspNetCore": "Information".
    /// Added after the configuration's rules, it also wins over a configured rule for the same category.
    /// </summary>
    public static ILoggingBuilder AddPrivacyFilters(this ILoggingBuilder logging)
    {
        foreach (var category in UrlLoggingCategories)
        {
            logging.AddFilter(category, LogLevel.Warning);
        }

        return logging;
    }
}
