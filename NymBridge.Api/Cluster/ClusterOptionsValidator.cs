using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Cluster;

/// <summary>Checks the whole <c>Cluster</c> section and reports every problem at once. Secrets are never echoed.</summary>
internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public const int MaxNameLength = 64;
    public const int MaxInstanceIdLength = 64;

    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (!IsValidRedisConfiguration(options.Redis!, out var redisError))
        {
            errors.Add($"Cluster:Redis {redisError}");
        }

        // The name goes inside a hash tag and a key prefix: '{', '}' and ':' would break both.
        if (options.Name is not { Length: > 0 and <= MaxNameLength } || !options.Name.All(IsIdChar))
        {
            errors.Add($"Cluster:Name must be 1 to {MaxNameLength} of A-Z, a-z, 0-9, '.', '_' and '-'; got '{Truncate(options.Name ?? "")}'.");
        }

        if (options.InstanceId is not { Length: > 0 and <= MaxInstanceIdLength } || !options.InstanceId.All(IsIdChar))
        {
            errors.Add($"Cluster:InstanceId must be 1 to {MaxInstanceIdLength} of A-Z, a-z, 0-9, '.', '_' and '-' (leave it unset for the host name and a random suffix); got '{Truncate(options.InstanceId ?? "")}'.");
        }

        if (options.AdvertisedUrl is null)
        {
            if (options.LeaderEligible == true)
            {
                errors.Add("Cluster:AdvertisedUrl is required on an instance that may lead (Cluster:LeaderEligible): the absolute http:// or https:// URL where the other instances reach this one, e.g. http://10.0.0.5:5000.");
            }
        }
        else if (!Uri.TryCreate(options.AdvertisedUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            errors.Add($"Cluster:AdvertisedUrl must be an absolute http:// or https:// URL without query or fragment, e.g. http://10.0.0.5:5000; got '{Truncate(options.AdvertisedUrl)}'.");
        }

        if (string.IsNullOrEmpty(options.InternalKey))
        {
            errors.Add($"Cluster:InternalKey is required: the same secret of at least {ClusterOptions.MinInternalKeyLength} characters on every instance (e.g. `openssl rand -base64 32`).");
        }
        else if (options.InternalKey.Length < ClusterOptions.MinInternalKeyLength)
        {
            errors.Add($"Cluster:InternalKey must be at least {ClusterOptions.MinInternalKeyLength} characters (e.g. `openssl rand -base64 32`).");
        }

        if (options.LeaseTime < TimeSpan.FromSeconds(1) || options.LeaseTime > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Cluster:LeaseTime must be from 00:00:01 to 00:10:00; got {options.LeaseTime}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    // Its own method, never inlined: the parser's signature names StackExchange.Redis's ConfigurationOptions, and
    // compiling Validate, which runs in every bridge, must not load that assembly into a single-process one.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsValidRedisConfiguration(string configuration, out string? error) =>
        RedisConnection.TryParse(configuration, out _, out error);
}
