using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace NymBridge.Api.Http;

/// <summary>Reads a request body into memory, refusing it as soon as it passes a limit.</summary>
public static class BodyReader
{
    /// <returns>The body, or null when it is longer than <paramref name="limit"/> bytes.</returns>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // Let Kestrel enforce the same bound on the wire, instead of its fixed 30 MB default.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        try
        {
            if (request.ContentLength is { } length)
            {
                var exact = new byte[length];
                await request.Body.ReadExactlyAsync(exact, cancellationToken);
                return exact;
            }

            var buffer = new ArrayBufferWriter<byte>(16 * 1024);
            while (true)
            {
                var read = await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken);
                if (read == 0)
                {
                    return buffer.WrittenMemory;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
