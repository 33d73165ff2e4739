using System.Buffers;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// One attempt's body in an array from the shared pool: each delivery of a 1 KiB event otherwise left a 2.6 KB
/// array for the GC, the largest single allocation on the way.
/// </summary>
public sealed class WebhookBody : IDisposable
{
    private byte[]? _array;

    private WebhookBody(byte[] array, int length)
    {
        _array = array;
        Length = length;
    }

    public int Length { get; }

    /// <summary>The bytes; valid until <see cref="Dispose"/>.</summary>
    public ArraySegment<byte> Bytes => new(_array ?? throw new ObjectDisposedException(nameof(WebhookBody)), 0, Length);

    public static WebhookBody Copy(ReadOnlySpan<byte> bytes)
    {
        var array = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(array);
        return new WebhookBody(array, bytes.Length);
    }

    /// <summary>
    /// An attempt that ended early (failed, timed out, threw) may leave the handler still copying the body out: a
    /// cancelled request need not wait for its content to finish. The array goes to the GC, never back to the pool.
    /// </summary>
    public void Abandon() => _array = null;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
