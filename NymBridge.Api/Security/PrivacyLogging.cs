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

    /// <summary>Caps those categories at Warning, whatever the configuration says.</summary>
    public static ILoggingBuilder AddPrivacyFilters(this ILoggingBuilder logging)
    {
        foreach (var category in UrlLoggingCategories)
        {
            logging.AddFilter((provider, name, level) =>
                name is null || !name.StartsWith(category, StringComparison.Ordinal) || level >= LogLevel.Warning);
        }

        return logging;
    }
}
