using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace NymBridge.Protocol;

/// <summary>
/// The binary form of nym-client's responses, byte for byte as nym's <c>ServerResponse::serialize</c>.
/// <code>
/// Error            00 | kind u8 | len u64 | utf8[len]
/// Received         01 | has_tag u8 (0|1) | [sender_tag[16] if has_tag] | len u64 | data[len]
/// SelfAddress      02 | recipient[96]
/// LaneQueueLength  03 | lane u64 | queue_length u64
/// </code>
/// </summary>
/// <remarks>
/// Decoding is stricter than nym's own, which panics on a LaneQueueLength under 17 bytes and an
/// Error of exactly 9: every malformed frame here is a <see cref="ProtocolError"/>.
/// </remarks>
public static class ResponseCodec
{
    private const int U64 = sizeof(ulong);
    private const int LaneQueueLengthSize = 1 + 2 * U64;

    public static int GetHeaderLength(ServerResponse response) => response switch
    {
        ErrorResponse => 2 + U64,
        ReceivedResponse r => 2 + (r.SenderTag is null ? 0 : SenderTag.Length) + U64,
        SelfAddressResponse => 1 + NymAddress.Length,
        LaneQueueLengthResponse => LaneQueueLengthSize,
        _ => throw new ArgumentOutOfRangeException(nameof(response), response.GetType().Name, "Unknown response type."),
    };

    public static int GetEncodedLength(ServerResponse response) => response switch
    {
        ErrorResponse e => checked(GetHeaderLength(e) + Encoding.UTF8.GetByteCount(e.Message)),
        ReceivedResponse r => checked(GetHeaderLength(r) + r.Message.Length),
        _ => GetHeaderLength(response),
    };

    public static int Encode(ServerResponse response, Span<byte> destination)
    {
        var length = GetEncodedLength(response);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes; it has {destination.Length}.", nameof(destination));
        }

        destination[0] = (byte)response.Tag;
        switch (response)
        {
            case ErrorResponse e:
                destination[1] = (byte)e.Kind;
                var written = Encoding.UTF8.GetBytes(e.Message, destination[(2 + U64)..]);
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)written);
                break;
            case ReceivedResponse r:
                var offset = 2;
                destination[1] = r.SenderTag is null ? (byte)0 : (byte)1;
                if (r.SenderTag is { } tag)
                {
                    tag.WriteTo(destination[offset..]);
                    offset += SenderTag.Length;
                }

                BinaryPrimitives.WriteUInt64BigEndian(destination[offset..], (ulong)r.Message.Length);
                r.Message.Span.CopyTo(destination[(offset + U64)..]);
                break;
            case SelfAddressResponse s:
                s.Address.WriteTo(destination[1..]);
                break;
            case LaneQueueLengthResponse q:
                BinaryPrimitives.WriteUInt64BigEndian(destination[1..], q.Lane);
                BinaryPrimitives.WriteUInt64BigEndian(destination[(1 + U64)..], q.QueueLength);
                break;
        }

        return length;
    }

    public static void Encode(ServerResponse response, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var written = Encode(response, writer.GetSpan(GetEncodedLength(response)));
        writer.Advance(written);
    }

    public static byte[] Encode(ServerResponse response)
    {
        var frame = new byte[GetEncodedLength(response)];
        Encode(response, frame);
        return frame;
    }

    public static ServerResponse Decode(ReadOnlyMemory<byte> frame) =>
        TryDecode(frame, out var response, out var error) ? response : throw new NymProtocolException(error);

    /// <summary>
    /// Decodes a frame from nym-client. A Received payload is a slice of <paramref name="frame"/>,
    /// not a copy. Never throws for any input.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> frame, [NotNullWhen(true)] out ServerResponse? response, out ProtocolError error)
    {
        response = null;
        error = default;
        var b = frame.Span;
        if (b.IsEmpty)
        {
            error = new(ErrorKind.EmptyResponse, "no data provided");
            return false;
        }

        switch (b[0])
        {
            case (byte)ResponseTag.Error:
                return TryDecodeError(b, out response, out error);
            case (byte)ResponseTag.Received:
                return TryDecodeReceived(frame, out response, out error);
            case (byte)ResponseTag.SelfAddress:
                if (b.Length != 1 + NymAddress.Length)
                {
                    error = new(ErrorKind.TooShortResponse, $"a 'self_address' is {1 + NymAddress.Length} bytes; got {b.Length}");
                    return false;
                }

                if (!NymAddress.TryFromBytes(b[1..], out var address, out var reason))
                {
                    error = new(ErrorKind.MalformedResponse, $"malformed Recipient: {reason}");
                    return false;
                }

                response = new SelfAddressResponse(address);
                return true;
            case (byte)ResponseTag.LaneQueueLength:
                if (b.Length != LaneQueueLengthSize)
                {
                    error = new(
                        b.Length < LaneQueueLengthSize ? ErrorKind.TooShortResponse : ErrorKind.MalformedResponse,
                        $"a 'lane_queue_length' is {LaneQueueLengthSize} bytes; got {b.Length}");
                    return false;
                }

                response = new LaneQueueLengthResponse(
                    BinaryPrimitives.ReadUInt64BigEndian(b[1..]),
                    BinaryPrimitives.ReadUInt64BigEndian(b[(1 + U64)..]));
                return true;
            default:
                error = new(ErrorKind.UnknownResponse, $"{b[0]} does not correspond to any valid response tag");
                return false;
        }
    }

    private static bool TryDecodeError(ReadOnlySpan<byte> b, out ServerResponse? response, out ProtocolError error)
    {
        response = null;
        if (b.Length < 2 + U64)
        {
            error = new(ErrorKind.TooShortResponse, "not enough data provided to recover 'error'");
            return false;
        }

        if (!ErrorKinds.IsDefined(b[1]))
        {
            error = new(ErrorKind.MalformedResponse, $"invalid error code {b[1]}");
            return false;
        }

        var declared = BinaryPrimitives.ReadUInt64BigEndian(b[2..]);
        var message = b[(2 + U64)..];
        if (declared != (ulong)message.Length)
        {
            error = new(ErrorKind.MalformedResponse, $"message len has inconsistent length. specified: {declared} got: {message.Length}");
            return false;
        }

        if (!Utf8.IsValid(message))
        {
            error = new(ErrorKind.MalformedResponse, "malformed error message: invalid utf-8");
            return false;
        }

        response = new ErrorResponse((ErrorKind)b[1], Encoding.UTF8.GetString(message));
        error = default;
        return true;
    }

    private static bool TryDecodeReceived(ReadOnlyMemory<byte> frame, out ServerResponse? response, out ProtocolError error)
    {
        response = null;
        var b = frame.Span;
        var tooShort = new ProtocolError(ErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
        if (b.Length < 2 + U64)
        {
            error = tooShort;
            return false;
        }

        SenderTag? tag;
        var offset = 2;
        switch (b[1])
        {
            case 0:
                tag = null;
                break;
            case 1:
                if (b.Length < 2 + SenderTag.Length + U64)
                {
                    error = tooShort;
                    return false;
                }

                tag = SenderTag.FromBytes(b.Slice(2, SenderTag.Length));
                offset += SenderTag.Length;
                break;
            default:
                error = new(ErrorKind.MalformedResponse, $"invalid sender tag flag {b[1]}");
                return false;
        }

        var declared = BinaryPrimitives.ReadUInt64BigEndian(b[offset..]);
        var message = frame[(offset + U64)..];
        if (declared != (ulong)message.Length)
        {
            error = new(ErrorKind.MalformedResponse, $"message len has inconsistent length. specified: {declared} got: {message.Length}");
            return false;
        }

        response = new ReceivedResponse(message, tag);
        error = default;
        return true;
    }
}
