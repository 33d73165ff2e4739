using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NymBridge.Api.Webhooks;

/// <summary>The Standard Webhooks symmetric signature: <c>v1,</c> + Base64(HMAC-SHA256(key, "id.timestamp.body")).</summary>
public static class WebhookSignature
{
    public static string Sign(ReadOnlySpan<byte> key, string webhookId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{webhookId}.{timestamp}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
