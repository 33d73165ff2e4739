using NymBridge.Api.Http;

namespace NymBridge.Api.Security;

/// <summary>
/// The security decisions taken before the host is built, and so from raw configuration: whether an API
/// key is configured (authentication is registered only then), and whether to refuse to start on an
/// address off loopback that no key guards. Everything else comes from the validated <see cref="BridgeOptions"/>.
/// </summary>
public static class StartupSecurity
{
    public static bool HasApiKey(IConfiguration configuration) => !string.IsNullOrEmpty(BridgeOptions.From(configuration).ApiKey);

    /// <summary>
    /// Refuses to start on a non-loopback address without an API key: the bridge sends as its user
    /// and reads their inbox, so an open port on the network would hand that to anyone.
    /// </summary>
    public static WebApplicationBuilder RequireKeyForRemoteListening(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var remote = RemoteAddressesWithoutKey(builder.Configuration);
        if (remote.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to listen on {string.Join(", ", remote)} without an API key: anyone who reaches this port could send as you and read your messages. " +
                "Set Bridge:ApiKey (e.g. --Bridge:ApiKey=<long random key> or the Bridge__ApiKey environment variable), " +
                "listen on loopback (--urls=http://127.0.0.1:5977), or, if something else guards the port, set Bridge:AllowUnauthenticatedRemote=true.");
        }

        return builder;
    }

    /// <summary>The configured listen addresses off loopback, when no key guards them; empty when starting is fine.</summary>
    public static IReadOnlyList<string> RemoteAddressesWithoutKey(IConfiguration configuration) =>
        HasApiKey(configuration) || BridgeOptions.From(configuration).AllowUnauthenticatedRemote ? [] : ListenAddresses.OffLoopback(configuration);
}
