using Microsoft.Extensions.Options;

namespace NymBridge.Api.Nym;

/// <summary>
/// The <c>Nym</c> rules that span fields or that attributes cannot say, every failure reported at once
/// (beside the data-annotation ranges), so a misconfigured bridge refuses to start with the whole list.
/// </summary>
internal sealed class NymOptionsValidator : IValidateOptions<NymOptions>
{
    public ValidateOptionsResult Validate(string? name, NymOptions options)
    {
        var errors = new List<string>();
        if (options.ReconnectMinDelay > options.ReconnectMaxDelay)
        {
            errors.Add($"Nym:ReconnectMinDelay ({options.ReconnectMinDelay:c}) is longer than Nym:ReconnectMaxDelay ({options.ReconnectMaxDelay:c}): " +
                       "the backoff starts at the minimum and is capped at the maximum; make the maximum at least the minimum.");
        }

        // ClientWebSocket refuses anything else on every attempt, so the bridge would reconnect forever.
        if (!options.Emulator && options.ClientUrl is { } url && !(url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeWs || url.Scheme == Uri.UriSchemeWss)))
        {
            errors.Add($"Nym:ClientUrl must be an absolute ws:// or wss:// URL (nym-client's websocket, e.g. ws://127.0.0.1:1977), not '{url}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
