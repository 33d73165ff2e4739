using System.Security.Cryptography;

namespace NymBridge.Api.Webhooks;

/// <summary>A Standard Webhooks symmetric secret: <c>whsec_</c> + Base64 of 24..64 bytes.</summary>
public static class WebhookSecret
{
    public const string Prefix = "whsec_";
    public const int MinBytes = 24, MaxBytes = 64, GeneratedBytes = 32;

    public static bool TryDecode(string? secret, out byte[] key)
    {
        key = [];
        if (secret is null || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var base64 = secret[Prefix.Length..];
        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, buffer, out var written) || written is < MinBytes or > MaxBytes)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(GeneratedBytes));
}
