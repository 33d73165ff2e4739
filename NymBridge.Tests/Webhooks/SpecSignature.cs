using System.Security.Cryptography;
using System.Text;

namespace NymBridge.Tests.Webhooks;

/// <summary>
/// The Standard Webhooks verification, written here from the specification (spec/standard-webhooks.md,
/// "Signature scheme") and not taken from the product: HMAC-SHA256 with the Base64-decoded part of the
/// whsec_ secret over "id.timestamp.body", Base64, prefixed "v1,"; the header is a space-separated list.
/// </summary>
internal static class SpecSignature
{
    public static bool Verify(string secret, string id, string timestamp, byte[] body, string header)
    {
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        using var hmac = new HMACSHA256(key);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = Encoding.ASCII.GetBytes(Convert.ToBase64String(hmac.ComputeHash(signed)));
        foreach (var part in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = part.IndexOf(',', StringComparison.Ordinal);
            if (comma > 0 && part[..comma] == "v1"
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(part[(comma + 1)..]), expected))
            {
                return true;
            }
        }

        return false;
    }
}
