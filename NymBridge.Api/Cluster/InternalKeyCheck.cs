using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The leader's check of <c>X-NymBridge-Internal-Key</c> on a forwarded send. Both sides are hashed first, so the
/// fixed-time compare does not leak the key's length either.
/// </summary>
public sealed class InternalKeyCheck(IOptions<ClusterOptions> options)
{
    public const string HeaderName = "X-NymBridge-Internal-Key";

    private readonly byte[] _expected = Hash(options.Value.InternalKey ?? throw new ArgumentException("Cluster:InternalKey is not set.", nameof(options)));

    public bool IsValid(string? presented) =>
        presented is { Length: > 0 } && CryptographicOperations.FixedTimeEquals(Hash(presented), _expected);

    /// <summary>A request forwarded by another instance of this cluster (it must be served here, never forwarded again).</summary>
    public bool IsForwarded(HttpRequest request) =>
        request.Headers.TryGetValue(HeaderName, out var values) && values.Count == 1 && IsValid(values[0]);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
