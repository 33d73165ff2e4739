using Microsoft.Extensions.Options;

namespace NymBridge.Api;

/// <summary>
/// The <c>Bridge</c> rules that attributes cannot say (nested sections, origins), every failure reported at
/// once beside the data-annotation ranges, instead of a value quietly meaning something else.
/// </summary>
internal sealed class BridgeOptionsValidator : IValidateOptions<BridgeOptions>
{
    public ValidateOptionsResult Validate(string? name, BridgeOptions options)
    {
        var errors = new List<string>();

        // Data annotations do not look into nested sections: without this a negative limit meant no limit.
        if (options.RateLimit.PermitsPerSecond is < 0 or > BridgeOptions.RateLimitOptions.MaxPermitsPerSecond)
        {
            errors.Add($"Bridge:RateLimit:PermitsPerSecond must be 0 (no limit) to {BridgeOptions.RateLimitOptions.MaxPermitsPerSecond}, not {options.RateLimit.PermitsPerSecond}.");
        }

        for (var i = 0; i < options.Cors.Origins.Length; i++)
        {
            if (OriginError(options.Cors.Origins[i]) is { } error)
            {
                errors.Add($"Bridge:Cors:Origins:{i} {error}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>A browser's Origin header is scheme://host[:port]; anything else would never match it.</summary>
    private static string? OriginError(string? origin)
    {
        if (origin == "*")
        {
            return "is '*': credentials (the API key) are allowed, and CORS does not allow them with any origin; list the origins.";
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"must be an http:// or https:// origin such as https://app.example, not '{origin}'.";
        }

        if (uri.PathAndQuery != "/" || origin.EndsWith('/') || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return $"must be scheme://host[:port] with nothing after it, as browsers send it (e.g. {uri.GetLeftPart(UriPartial.Authority)}), not '{origin}'.";
        }

        return null;
    }
}
