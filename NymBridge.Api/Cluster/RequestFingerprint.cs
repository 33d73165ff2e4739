using System.Security.Cryptography;
using NymBridge.Protocol;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The SHA-256 of a request's frame as nym-client would see it, so the JSON and raw-bytes forms of one send match.
/// The same rule as Sending/IdempotencyStore's private fingerprint (to become one shared helper at merge).
/// </summary>
internal static class RequestFingerprint
{
    public static byte[] Compute(ClientRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[RequestCodec.GetHeaderLength(request)];
        RequestCodec.EncodeHeader(request, header);
        hash.AppendData(header);
        hash.AppendData(RequestCodec.GetPayload(request).Span);
        return hash.GetHashAndReset();
    }
}
