using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;

namespace NymBridge.Api.Cluster;

/// <summary>Fills the defaults that depend on the machine or on other sections: the instance id and leader eligibility.</summary>
internal sealed class ClusterOptionsSetup(IOptions<NymOptions> nym) : IPostConfigureOptions<ClusterOptions>
{
    public void PostConfigure(string? name, ClusterOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.InstanceId))
        {
            options.InstanceId = DefaultInstanceId();
        }

        options.LeaderEligible ??= IsLoopback(nym.Value.ClientUrl);
    }

    // A suffix, so two instances on one host (or a restarted one whose old lease is still alive) never share an id.
    public static string DefaultInstanceId()
    {
        var host = new string(Dns.GetHostName().Where(ClusterOptionsValidator.IsIdChar).Take(40).ToArray());
        return $"{(host.Length == 0 ? "bridge" : host)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    }

    public static bool IsLoopback(Uri? url) =>
        url is { IsAbsoluteUri: true } && (url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));
}
