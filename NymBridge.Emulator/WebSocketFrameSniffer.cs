using System.Collections.Concurrent;

namespace NymBridge.Emulator;

/// <summary>
/// Follows the bytes a client sends on one connection: skips the HTTP upgrade request, then reads
/// each websocket frame header and skips its payload. Kestrel's WebSocket hides frame boundaries;
/// this is how the emulator counts the frames of a message, sees the largest frame, and enforces
/// tungstenite's limits and checks the way nym-client does: by dropping the connection.
/// </summary>
/// <remarks>Fed from the single read path of a connection, so its state needs no lock.</remarks>
internal sealed class WebSocketFrameSniffer(Action<ulong> frameSeen)
{
    /// <summary>tungstenite's default <c>max_frame_size</c>.</summary>
    public const ulong MaxFrameBytes = 16 << 20;

    /// <summary>tungstenite's default <c>max_message_size</c>.</summary>
    public const ulong MaxMessageBytes = 64 << 20;

    private const int ControlPayloadLimit = 125;
    private static ReadOnlySpan<byte> EndOfHttpHeaders => "\r\n\r\n"u8;

    private enum Phase
    {
        HttpRequest,
        FrameHeader,
        Payload,
    }

    private readonly byte[] _header = new byte[WebSocketFrameHeader.MaxLength];
    private readonly ConcurrentQueue<int> _completedMessages = new();
    private Phase _phase = Phase.HttpRequest;
    private int _httpEndMatched;
    private int _headerFilled;
    private ulong _payloadRemaining;
    private int _framesInMessage;
    private ulong _messageBytes;

    /// <summary>Follows <paramref name="bytes"/>; returns why the connection must be dropped, or null.</summary>
    public string? Observe(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            switch (_phase)
            {
                case Phase.HttpRequest:
                    // Frames only follow once the client has read the 101 answer, so everything after
                    // the request's blank line is websocket.
                    var b = bytes[0];
                    bytes = bytes[1..];
                    _httpEndMatched = b == EndOfHttpHeaders[_httpEndMatched] ? _httpEndMatched + 1 : b == '\r' ? 1 : 0;
                    if (_httpEndMatched == EndOfHttpHeaders.Length)
                    {
                        _phase = Phase.FrameHeader;
                    }

                    break;

                case Phase.FrameHeader:
                    var previouslyFilled = _headerFilled;
                    var copied = Math.Min(bytes.Length, _header.Length - _headerFilled);
                    bytes[..copied].CopyTo(_header.AsSpan(_headerFilled));
                    _headerFilled += copied;
                    if (!WebSocketFrameHeader.TryRead(_header.AsSpan(0, _headerFilled), out var header))
                    {
                        bytes = bytes[copied..];
                        break;
                    }

                    // Only part of what was copied belonged to the header; the rest is payload.
                    bytes = bytes[(header.Length - previouslyFilled)..];
                    _headerFilled = 0;
                    if (Check(header) is { } violation)
                    {
                        return violation;
                    }

                    _payloadRemaining = header.PayloadLength;
                    _phase = _payloadRemaining == 0 ? Phase.FrameHeader : Phase.Payload;
                    break;

                case Phase.Payload:
                    var skipped = (int)Math.Min(_payloadRemaining, (ulong)bytes.Length);
                    bytes = bytes[skipped..];
                    _payloadRemaining -= (ulong)skipped;
                    if (_payloadRemaining == 0)
                    {
                        _phase = Phase.FrameHeader;
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>The frame count of the oldest message whose last frame has been seen.</summary>
    public int TakeFrameCount() => _completedMessages.TryDequeue(out var count) ? count : 1;

    /// <summary>tungstenite's checks on a client frame, in its order; counts the frames of data messages.</summary>
    private string? Check(in WebSocketFrameHeader header)
    {
        frameSeen(header.PayloadLength);
        if (header.Reserved != 0)
        {
            return "reserved bits are non-zero";
        }

        if (!header.Masked)
        {
            return "unmasked frame from client";
        }

        if (header.IsControl)
        {
            if (!header.Fin || header.PayloadLength > ControlPayloadLimit)
            {
                return "fragmented or oversized control frame";
            }

            return header.Opcode <= 0xA ? null : $"unknown control opcode {header.Opcode}";
        }

        if (!header.IsData)
        {
            return $"unknown data opcode {header.Opcode}";
        }

        if (header.PayloadLength > MaxFrameBytes)
        {
            return $"frame of {header.PayloadLength} bytes is over the {MaxFrameBytes}-byte limit";
        }

        var continues = header.Opcode == WebSocketFrameHeader.Continuation;
        if (continues != (_framesInMessage > 0))
        {
            return continues ? "continuation frame with no message to continue" : "new message while the previous one is unfinished";
        }

        _messageBytes += header.PayloadLength;
        if (_messageBytes > MaxMessageBytes)
        {
            return $"message is over the {MaxMessageBytes}-byte limit";
        }

        _framesInMessage++;
        if (header.Fin)
        {
            _completedMessages.Enqueue(_framesInMessage);
            _framesInMessage = 0;
            _messageBytes = 0;
        }

        return null;
    }
}
