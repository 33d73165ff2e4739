using System.Buffers.Binary;
using System.Text;
using NymBridge.Emulator;

namespace NymBridge.Tests.Emulator;

/// <summary>The frame header parser and sniffer on hand-made bytes, including every way a read can split them.</summary>
public class WebSocketFrameSnifferTests
{
    private static readonly byte[] Upgrade = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");

    [Theory]
    [InlineData(0, 6)]
    [InlineData(125, 6)]
    [InlineData(126, 8)]
    [InlineData(65535, 8)]
    [InlineData(65536, 14)]
    public void Reads_7_16_and_64_bit_lengths(int payloadLength, int headerLength)
    {
        var frame = ClientFrame(0x2, fin: true, payloadLength);

        Assert.True(WebSocketFrameHeader.TryRead(frame, out var header));

        Assert.Equal((ulong)payloadLength, header.PayloadLength);
        Assert.Equal(headerLength, header.Length);
        Assert.True(header.Fin);
        Assert.True(header.Masked);
        Assert.Equal(0x2, header.Opcode);
        for (var cut = 0; cut < headerLength; cut++)
        {
            Assert.False(WebSocketFrameHeader.TryRead(frame.AsSpan(0, cut), out _));
        }
    }

    [Fact]
    public void Counts_the_frames_of_each_message_however_the_bytes_are_split()
    {
        byte[] stream =
        [
            .. Upgrade,
            .. ClientFrame(0x2, fin: true, 3),
            .. ClientFrame(0x1, fin: false, 200),
            .. ClientFrame(0x9, fin: true, 4), // a ping between fragments is no part of the message
            .. ClientFrame(0x0, fin: false, 70000),
            .. ClientFrame(0x0, fin: true, 0),
            .. ClientFrame(0x2, fin: true, 126),
        ];

        foreach (var chunk in new[] { 1, 2, 3, 7, 13, 100, stream.Length })
        {
            var sizes = new List<ulong>();
            var sniffer = new WebSocketFrameSniffer(sizes.Add);
            for (var offset = 0; offset < stream.Length; offset += chunk)
            {
                Assert.Null(sniffer.Observe(stream.AsSpan(offset, Math.Min(chunk, stream.Length - offset))));
            }

            Assert.Equal([3UL, 200, 4, 70000, 0, 126], sizes);
            Assert.Equal(1, sniffer.TakeFrameCount());
            Assert.Equal(3, sniffer.TakeFrameCount());
            Assert.Equal(1, sniffer.TakeFrameCount());
        }
    }

    [Fact]
    public void Refuses_what_tungstenite_refuses()
    {
        var reservedBitSet = ClientFrame(0x2, fin: true, 1);
        reservedBitSet[0] |= 0x40;

        Assert.Contains("unmasked", Violation(ClientFrame(0x2, fin: true, 1, masked: false)), StringComparison.Ordinal);
        Assert.Contains("reserved", Violation(reservedBitSet), StringComparison.Ordinal);
        Assert.Contains("opcode", Violation(ClientFrame(0x3, fin: true, 1)), StringComparison.Ordinal);
        Assert.Contains("control", Violation(ClientFrame(0x9, fin: true, 126)), StringComparison.Ordinal);
        Assert.Contains("continuation", Violation(ClientFrame(0x0, fin: true, 1)), StringComparison.Ordinal);
        Assert.Contains("unfinished", Violation([.. ClientFrame(0x2, fin: false, 1), .. ClientFrame(0x2, fin: true, 1)]), StringComparison.Ordinal);
        Assert.Contains("limit", Violation(ClientFrame(0x2, fin: true, (16 << 20) + 1, withPayload: false)), StringComparison.Ordinal);
        Assert.Null(new WebSocketFrameSniffer(_ => { }).Observe([.. Upgrade, .. ClientFrame(0x2, fin: true, 16 << 20, withPayload: false)]));
    }

    [Fact]
    public void Refuses_a_message_over_64_MiB_at_the_frame_that_crosses_the_limit()
    {
        var sniffer = new WebSocketFrameSniffer(_ => { });
        var payload = new byte[16 << 20];
        Assert.Null(sniffer.Observe(Upgrade));
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(sniffer.Observe(ClientFrame(i == 0 ? (byte)0x2 : (byte)0x0, fin: false, payload.Length, withPayload: false)));
            Assert.Null(sniffer.Observe(payload));
        }

        Assert.Contains("message", sniffer.Observe(ClientFrame(0x0, fin: true, 1, withPayload: false)), StringComparison.Ordinal);
    }

    private static string Violation(byte[] frames) =>
        new WebSocketFrameSniffer(_ => { }).Observe([.. Upgrade, .. frames]) ?? "accepted";

    /// <summary>A client frame: header, then (unless asked not to) a zero payload; the mask is arbitrary.</summary>
    private static byte[] ClientFrame(byte opcode, bool fin, int payloadLength, bool masked = true, bool withPayload = true)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var mask = masked ? 0x80 : 0;
        if (payloadLength < 126)
        {
            header.Add((byte)(mask | payloadLength));
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            header.Add((byte)(mask | 126));
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)payloadLength);
            header.AddRange(length);
        }
        else
        {
            header.Add((byte)(mask | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payloadLength);
            header.AddRange(length);
        }

        if (masked)
        {
            header.AddRange([1, 2, 3, 4]);
        }

        return [.. header, .. withPayload ? new byte[payloadLength] : []];
    }
}
