using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace NymBridge.Protocol;

/// <summary>
/// The binary form of requests, byte for byte as nym's <c>ClientRequest::serialize</c>.
/// <code>
/// Send              00 | recipient[96] | conn_id u64 | len u64 | data[len]
/// SendAnonymous     01 | reply_surbs u32 | recipient[96] | conn_id u64 | len u64 | data[len]
/// Reply             02 | sender_tag[16] | conn_id u64 | len u64 | data[len]
/// SelfAddress       03
/// ClosedConnection  04 | conn_id u64
/// GetLaneQueueLength 05 | conn_id u64
/// </code>
/// Integers are big-endian; conn_id 0 means none.
/// </summary>
public static class RequestCodec
{
    private const int U64 = sizeof(ulong);

    /// <summary>Bytes before the payload; the whole frame is this plus the payload length.</summary>
    public static int GetHeaderLength(ClientRequest request) => request switch
    {
        SendRequest => 1 + NymAddress.Length + 2 * U64,
        SendAnonymousRequest => 1 + sizeof(uint) + NymAddress.Length + 2 * U64,
        ReplyRequest => 1 + SenderTag.Length + 2 * U64,
        SelfAddressRequest => 1,
        ClosedConnectionRequest or GetLaneQueueLengthRequest => 1 + U64,
        _ => throw new ArgumentOutOfRangeException(nameof(request), request.GetType().Name, "Unknown request type."),
    };

    public static ReadOnlyMemory<byte> GetPayload(ClientRequest request) =>
        request is MessageRequest message ? message.Message : ReadOnlyMemory<byte>.Empty;

    public static int GetEncodedLength(ClientRequest request) =>
        checked(GetHeaderLength(request) + GetPayload(request).Length);

    /// <summary>
    /// Writes everything but the payload. With <see cref="GetPayload"/> this lets a sender put a large
    /// payload on the wire straight from where it lies, without first copying it behind the header.
    /// </summary>
    public static int EncodeHeader(ClientRequest request, Span<byte> destination)
    {
        var length = GetHeaderLength(request);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination needs {length} bytes; it has {destination.Length}.", nameof(destination));
        }

        destination[0] = (byte)request.Tag;
        var rest = destination[1..];
        switch (request)
        {
            case SendRequest r:
                r.Recipient.WriteTo(rest);
                break;
            case SendAnonymousRequest r:
                BinaryPrimitives.WriteUInt32BigEndian(rest, r.ReplySurbs);
                r.Recipient.WriteTo(rest[sizeof(uint)..]);
                break;
            case ReplyRequest r:
                r.SenderTag.WriteTo(rest);
                break;
            case ClosedConnectionRequest r:
                BinaryPrimitives.WriteUInt64BigEndian(rest, r.ConnectionId);
                break;
            case GetLaneQueueLengthRequest r:
                BinaryPrimitives.WriteUInt64BigEndian(rest, r.ConnectionId);
                break;
        }

        if (request is MessageRequest message)
        {
            // Every message request ends its header the same way, right before the payload.
            var tail = destination[(length - 2 * U64)..length];
            BinaryPrimitives.WriteUInt64BigEndian(tail, message.ConnectionId ?? 0);
            BinaryPrimitives.WriteUInt64BigEndian(tail[U64..], (ulong)message.Message.Length);
        }

        return length;
    }

    /// <summary>Writes the whole frame into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encode(ClientRequest request, Span<byte> destination)
    {
        var header = EncodeHeader(request, destination);
        var payload = GetPayload(request).Span;
        if (destination.Length - header < payload.Length)
        {
            throw new ArgumentException($"The destination needs {header + payload.Length} bytes; it has {destination.Length}.", nameof(destination));
        }

        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    public static void Encode(ClientRequest request, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var length = GetEncodedLength(request);
        var written = Encode(request, writer.GetSpan(length));
        writer.Advance(written);
    }

    public static byte[] Encode(ClientRequest request)
    {
        var frame = new byte[GetEncodedLength(request)];
        Encode(request, frame);
        return frame;
    }

    public static ClientRequest Decode(ReadOnlyMemory<byte> frame) =>
        TryDecode(frame, out var request, out var error) ? request : throw new NymProtocolException(error);

    /// <summary>
    /// Decodes a request frame the way nym-client does, with the same error kinds. Payloads are
    /// slices of <paramref name="frame"/>. Never throws for any input.
    /// </summary>
    public static bool TryDecode(ReadOnlyMemory<byte> frame, [NotNullWhen(true)] out ClientRequest? request, out ProtocolError error)
    {
        request = null;
        error = default;
        var b = frame.Span;
        if (b.IsEmpty)
        {
            error = new(ErrorKind.EmptyRequest, "no data provided");
            return false;
        }

        switch (b[0])
        {
            case (byte)RequestTag.Send:
            {
                if (!HasHeader(b, 1 + NymAddress.Length + 2 * U64, "send", out error)
                    || !TryReadRecipient(b.Slice(1, NymAddress.Length), out var recipient, out error)
                    || !TryReadPayload(frame, 1 + NymAddress.Length, ErrorKind.MalformedRequest, "data", out var connectionId, out var data, out error))
                {
                    return false;
                }

                request = new SendRequest(recipient, data, connectionId);
                return true;
            }
            case (byte)RequestTag.SendAnonymous:
            {
                if (!HasHeader(b, 1 + sizeof(uint) + NymAddress.Length + 2 * U64, "send_anonymous", out error)
                    || !TryReadRecipient(b.Slice(1 + sizeof(uint), NymAddress.Length), out var recipient, out error)
                    || !TryReadPayload(frame, 1 + sizeof(uint) + NymAddress.Length, ErrorKind.MalformedRequest, "data", out var connectionId, out var data, out error))
                {
                    return false;
                }

                request = new SendAnonymousRequest(recipient, data, BinaryPrimitives.ReadUInt32BigEndian(b[1..]), connectionId);
                return true;
            }
            case (byte)RequestTag.Reply:
            {
                if (!HasHeader(b, 1 + SenderTag.Length + 2 * U64, "reply", out error)
                    || !TryReadPayload(frame, 1 + SenderTag.Length, ErrorKind.MalformedRequest, "message", out var connectionId, out var data, out error))
                {
                    return false;
                }

                request = new ReplyRequest(SenderTag.FromBytes(b.Slice(1, SenderTag.Length)), data, connectionId);
                return true;
            }
            case (byte)RequestTag.SelfAddress:
                // nym ignores anything after the tag here; so do we, to answer exactly as it would.
                request = SelfAddressRequest.Instance;
                return true;
            case (byte)RequestTag.ClosedConnection:
                if (b.Length != 1 + U64)
                {
                    error = new(ErrorKind.MalformedRequest, "The received closed connection has invalid length");
                    return false;
                }

                request = new ClosedConnectionRequest(BinaryPrimitives.ReadUInt64BigEndian(b[1..]));
                return true;
            case (byte)RequestTag.GetLaneQueueLength:
                if (b.Length != 1 + U64)
                {
                    error = new(ErrorKind.MalformedRequest, "The received get lane queue lengths has invalid length");
                    return false;
                }

                request = new GetLaneQueueLengthRequest(BinaryPrimitives.ReadUInt64BigEndian(b[1..]));
                return true;
            default:
                error = new(ErrorKind.UnknownRequest, $"{b[0]} does not correspond to any valid request tag");
                return false;
        }
    }

    private static bool HasHeader(ReadOnlySpan<byte> b, int headerLength, string name, out ProtocolError error)
    {
        error = b.Length < headerLength
            ? new(ErrorKind.TooShortRequest, $"not enough data provided to recover '{name}'")
            : default;
        return b.Length >= headerLength;
    }

    private static bool TryReadRecipient(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out NymAddress? recipient, out ProtocolError error)
    {
        if (NymAddress.TryFromBytes(bytes, out recipient, out var reason))
        {
            error = default;
            return true;
        }

        error = new(ErrorKind.MalformedRequest, $"malformed recipient: {reason}");
        return false;
    }

    /// <summary>Reads <c>conn_id u64 | len u64 | data</c> starting at <paramref name="offset"/>; the length must match the rest exactly.</summary>
    internal static bool TryReadPayload(
        ReadOnlyMemory<byte> frame, int offset, ErrorKind mismatchKind, string name,
        out ulong? connectionId, out ReadOnlyMemory<byte> data, out ProtocolError error)
    {
        var b = frame.Span;
        var id = BinaryPrimitives.ReadUInt64BigEndian(b[offset..]);
        connectionId = id == 0 ? null : id;
        var declared = BinaryPrimitives.ReadUInt64BigEndian(b[(offset + U64)..]);
        data = frame[(offset + 2 * U64)..];
        if (declared != (ulong)data.Length)
        {
            error = new(mismatchKind, $"{name} len has inconsistent length. specified: {declared} got: {data.Length}");
            return false;
        }

        error = default;
        return true;
    }
}
