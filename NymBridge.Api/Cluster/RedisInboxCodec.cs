using System.Buffers.Binary;
using NymBridge.Api.Inbox;
using NymBridge.Protocol;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// One inbox event as a stream entry: two fields, <c>h</c> (a small binary header) and <c>p</c> (the payload,
/// raw bytes). Every entry has the same two field names, so Redis stores them once per listpack node.
/// </summary>
/// <remarks>
/// <code>
///  0         1        2            3                    11                    27
///  +---------+--------+------------+--------------------+---------------------+
///  | version | type   | error kind | received at: UTC   | sender tag          |
///  | 1       | 0 or 1 | 0 = none   | ticks, int64 LE    | 16 bytes, optional  |
///  +---------+--------+------------+--------------------+---------------------+
/// </code>
/// The payload stays a field of its own so the append script can count its bytes with <c>#p</c>.
/// </remarks>
internal static class RedisInboxCodec
{
    public const string HeaderField = "h", PayloadField = "p";

    private const byte Version = 1;
    private const int FixedLength = 11;

    public static byte[] Header(InboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var header = new byte[FixedLength + (e.SenderTag is null ? 0 : SenderTag.Length)];
        header[0] = Version;
        header[1] = (byte)e.Type;
        header[2] = e.ErrorKind is { } kind ? (byte)kind : (byte)0; // ErrorKind values start at 0x01
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(3), e.ReceivedAt.UtcTicks);
        e.SenderTag?.WriteTo(header.AsSpan(FixedLength));
        return header;
    }

    public static InboxEvent Decode(long seq, ReadOnlySpan<byte> header, byte[] payload)
    {
        if (header.Length is not (FixedLength or FixedLength + SenderTag.Length) || header[0] != Version)
        {
            throw new InvalidDataException($"Inbox entry {seq} has a header this version does not read (version {(header.IsEmpty ? -1 : header[0])}, {header.Length} bytes).");
        }

        var receivedAt = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(header[3..]), TimeSpan.Zero);
        var tag = header.Length > FixedLength ? SenderTag.FromBytes(header[FixedLength..]) : (SenderTag?)null;
        ErrorKind? kind = header[2] == 0 ? null : (ErrorKind)header[2];
        return new InboxEvent(seq, (InboxEventType)header[1], receivedAt, payload, tag, kind);
    }

    /// <summary>Decodes the reply of XRANGE (inside a script): <c>[[id, [field, value, ...]], ...]</c>.</summary>
    public static InboxEvent[] DecodeEntries(RedisResult entries)
    {
        var items = (RedisResult[])entries!;
        var events = new InboxEvent[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var entry = (RedisResult[])items[i]!;
            var seq = SeqOf((string)entry[0]!);
            var fields = (RedisResult[])entry[1]!;
            byte[]? header = null, payload = null;
            for (var f = 0; f + 1 < fields.Length; f += 2)
            {
                switch ((string?)fields[f])
                {
                    case HeaderField: header = (byte[]?)fields[f + 1]; break;
                    case PayloadField: payload = (byte[]?)fields[f + 1]; break;
                }
            }

            events[i] = Decode(seq, header ?? [], payload ?? []);
        }

        return events;
    }

    public static InboxEvent Decode(StreamEntry entry)
    {
        var header = (byte[]?)entry[HeaderField] ?? [];
        var payload = (byte[]?)entry[PayloadField] ?? [];
        return Decode(SeqOf(entry.Id!), header, payload);
    }

    public static long SeqOf(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return long.Parse(dash < 0 ? id : id.AsSpan(0, dash), System.Globalization.CultureInfo.InvariantCulture);
    }
}
