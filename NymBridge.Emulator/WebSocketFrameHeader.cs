using System.Buffers.Binary;

namespace NymBridge.Emulator;

/// <summary>
/// The header of one websocket frame (RFC 6455 section 5.2):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// |     Extended payload length continued, if payload len == 127  |
/// + - - - - - - - - - - - - - - - +-------------------------------+
/// |                               |Masking-key, if MASK set to 1  |
/// +-------------------------------+-------------------------------+
/// | Masking-key (continued)       |          Payload Data         |
/// +-------------------------------- - - - - - - - - - - - - - - - +
/// </code>
/// Lengths are big-endian: 0-125 in the 7 bits, 126 = a u16 follows, 127 = a u64 follows.
/// </summary>
internal readonly record struct WebSocketFrameHeader(bool Fin, byte Reserved, byte Opcode, bool Masked, ulong PayloadLength, int Length)
{
    /// <summary>2 fixed bytes, 8 of extended length, 4 of mask.</summary>
    public const int MaxLength = 14;

    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;

    public bool IsControl => Opcode >= Close;

    public bool IsData => Opcode is Continuation or Text or Binary;

    /// <summary>Reads a header from the start of <paramref name="bytes"/>; false when more bytes are needed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out WebSocketFrameHeader header)
    {
        header = default;
        if (bytes.Length < 2)
        {
            return false;
        }

        var length = 2;
        ulong payloadLength = (byte)(bytes[1] & 0x7F);
        if (payloadLength == 126)
        {
            if (bytes.Length < 4)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
            length = 4;
        }
        else if (payloadLength == 127)
        {
            if (bytes.Length < 10)
            {
                return false;
            }

            payloadLength = BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
            length = 10;
        }

        var masked = (bytes[1] & 0x80) != 0;
        if (masked)
        {
            length += 4;
        }

        if (bytes.Length < length)
        {
            return false;
        }

        header = new WebSocketFrameHeader(
            Fin: (bytes[0] & 0x80) != 0,
            Reserved: (byte)((bytes[0] >> 4) & 0x7),
            Opcode: (byte)(bytes[0] & 0x0F),
            Masked: masked,
            PayloadLength: payloadLength,
            Length: length);
        return true;
    }
}
