using System.Security.Cryptography;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// The SHA-256 of a request's frame as nym-client would see it, so the JSON and raw-bytes forms of one send match:
/// what an Idempotency-Key remembers of its request, in one process or in Redis.
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
