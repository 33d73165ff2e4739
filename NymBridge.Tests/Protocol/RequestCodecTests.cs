using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class RequestCodecTests
{
    private static readonly byte[] Foomp = TestData.Utf8("foomp");

    private static readonly Dictionary<string, Func<ClientRequest>> Cases = new()
    {
        ["send"] = () => new SendRequest(TestData.Spec, Foomp, 42),
        ["send, empty, no connection"] = () => new SendRequest(TestData.Mock, Array.Empty<byte>()),
        ["send, connection 0"] = () => new SendRequest(TestData.Spec, Foomp, 0),
        ["send, multi-byte UTF-8, max connection"] = () => new SendRequest(TestData.Spec, TestData.Utf8(TestData.MultiByteText), ulong.MaxValue),
        ["send, 70000 random bytes"] = () => new SendRequest(TestData.Mock, TestData.RandomBytes(new Random(70000), 70000), 1),
        ["sendAnonymous"] = () => new SendAnonymousRequest(TestData.Spec, Foomp, 666, 42),
        ["sendAnonymous, 0 surbs, empty"] = () => new SendAnonymousRequest(TestData.Mock, Array.Empty<byte>(), 0),
        ["sendAnonymous, max surbs, multi-byte"] = () => new SendAnonymousRequest(TestData.Spec, TestData.Utf8(TestData.MultiByteText), uint.MaxValue, ulong.MaxValue),
        ["reply"] = () => new ReplyRequest(TestData.Tag8, Foomp, 42),
        ["reply, empty, no connection"] = () => new ReplyRequest(TestData.Tag42, Array.Empty<byte>()),
        ["reply, multi-byte, connection 0"] = () => new ReplyRequest(TestData.Tag42, TestData.Utf8(TestData.MultiByteText), 0),
        ["selfAddress"] = () => SelfAddressRequest.Instance,
        ["closedConnection"] = () => new ClosedConnectionRequest(42),
        ["closedConnection 0"] = () => new ClosedConnectionRequest(0),
        ["closedConnection max"] = () => new ClosedConnectionRequest(ulong.MaxValue),
        ["getLaneQueueLength"] = () => new GetLaneQueueLengthRequest(42),
        ["getLaneQueueLength 0"] = () => new GetLaneQueueLengthRequest(0),
        ["getLaneQueueLength max"] = () => new GetLaneQueueLengthRequest(ulong.MaxValue),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Round_trips_through_every_encoder(string name)
    {
        var request = Cases[name]();
        var frame = RequestCodec.Encode(request);
        Assert.Equal(RequestCodec.GetEncodedLength(request), frame.Length);
        Assert.Equal((byte)request.Tag, frame[0]);

        var span = TestData.Filled(frame.Length + 7, 0xEE);
        Assert.Equal(frame.Length, RequestCodec.Encode(request, span.AsSpan()));
        Assert.Equal(frame, span[..frame.Length]);
        Assert.All(span[frame.Length..], b => Assert.Equal(0xEE, b));

        var writer = new ArrayBufferWriter<byte>();
        writer.Write<byte>([0xAB, 0xCD]);
        RequestCodec.Encode(request, writer);
        Assert.Equal(TestData.Concat([0xAB, 0xCD], frame), writer.WrittenSpan.ToArray());

        ProtocolAssert.SameRequest(request, RequestCodec.Decode(frame));
        Assert.True(RequestCodec.TryDecode(frame, out var decoded, out var error), error.ToString());
        ProtocolAssert.SameRequest(request, decoded);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Header_and_payload_make_the_frame(string name)
    {
        var request = Cases[name]();
        var header = new byte[RequestCodec.GetHeaderLength(request)];

        Assert.Equal(header.Length, RequestCodec.EncodeHeader(request, header));
        Assert.Equal(RequestCodec.Encode(request), TestData.Concat(header, RequestCodec.GetPayload(request).ToArray()));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Too_small_a_destination_is_an_argument_error(string name)
    {
        var request = Cases[name]();

        Assert.Throws<ArgumentException>(() => RequestCodec.Encode(request, new byte[RequestCodec.GetEncodedLength(request) - 1]));
        Assert.Throws<ArgumentException>(() => RequestCodec.EncodeHeader(request, new byte[RequestCodec.GetHeaderLength(request) - 1]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0UL)]
    public void No_connection_is_zero_on_the_wire_and_decodes_as_null(ulong? connectionId)
    {
        ClientRequest[] requests =
        [
            new SendRequest(TestData.Spec, Foomp, connectionId),
            new SendAnonymousRequest(TestData.Spec, Foomp, 5, connectionId),
            new ReplyRequest(TestData.Tag8, Foomp, connectionId),
        ];
        foreach (var request in requests)
        {
            var frame = RequestCodec.Encode(request);
            var connectionIdAt = RequestCodec.GetHeaderLength(request) - 16;

            Assert.Equal(0UL, BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(connectionIdAt)));
            var decoded = RequestCodec.Decode(frame);
            Assert.Null(decoded switch
            {
                SendRequest r => r.ConnectionId,
                SendAnonymousRequest r => r.ConnectionId,
                ReplyRequest r => r.ConnectionId,
                _ => 1,
            });
        }
    }

    [Fact]
    public void Decoded_payload_is_a_slice_of_the_frame()
    {
        var frame = RequestCodec.Encode(new ReplyRequest(TestData.Tag8, Foomp));

        var reply = Assert.IsType<ReplyRequest>(RequestCodec.Decode(frame));
        Assert.True(MemoryMarshal.TryGetArray(reply.Message, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(frame.Length - Foomp.Length, segment.Offset);
    }

    [Fact]
    public void Self_address_ignores_trailing_bytes_as_nym_does()
    {
        var decoded = RequestCodec.Decode(new byte[] { 0x03, 0xFF, 0x00, 0x01 });

        Assert.IsType<SelfAddressRequest>(decoded);
        Assert.Equal([0x03], RequestCodec.Encode(decoded));
    }

    [Fact]
    public void Empty_frame_is_empty_request() =>
        Assert.Equal(new ProtocolError(ErrorKind.EmptyRequest, "no data provided"), ProtocolAssert.DecodeRequestFails([]));

    [Theory]
    [InlineData(0x06)]
    [InlineData(0x7F)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void Unknown_tag_is_unknown_request(byte tag)
    {
        var error = ProtocolAssert.DecodeRequestFails([tag, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(new ProtocolError(ErrorKind.UnknownRequest, $"{tag} does not correspond to any valid request tag"), error);
    }

    [Theory]
    [InlineData("send", "send")]
    [InlineData("sendAnonymous", "send_anonymous")]
    [InlineData("reply", "reply")]
    public void Frame_shorter_than_its_header_is_too_short_request(string name, string nymName)
    {
        var request = Cases[name]();
        var frame = RequestCodec.Encode(request);
        var headerLength = RequestCodec.GetHeaderLength(request);

        for (var length = 1; length < headerLength; length++)
        {
            var error = ProtocolAssert.DecodeRequestFails(frame[..length]);
            Assert.Equal(new ProtocolError(ErrorKind.TooShortRequest, $"not enough data provided to recover '{nymName}'"), error);
        }
    }

    [Theory]
    [InlineData("send", "data")]
    [InlineData("sendAnonymous", "data")]
    [InlineData("reply", "message")]
    public void Payload_shorter_or_longer_than_declared_is_malformed_request(string name, string nymName)
    {
        var frame = RequestCodec.Encode(Cases[name]());
        var headerLength = frame.Length - Foomp.Length;

        for (var length = headerLength; length < frame.Length; length++)
        {
            var error = ProtocolAssert.DecodeRequestFails(frame[..length]);
            Assert.Equal(new ProtocolError(ErrorKind.MalformedRequest, $"{nymName} len has inconsistent length. specified: 5 got: {length - headerLength}"), error);
        }

        var longer = ProtocolAssert.DecodeRequestFails(TestData.Concat(frame, [0x00]));
        Assert.Equal(new ProtocolError(ErrorKind.MalformedRequest, $"{nymName} len has inconsistent length. specified: 5 got: 6"), longer);
    }

    [Theory]
    [InlineData("send", 9223372036854775808UL)]
    [InlineData("send", ulong.MaxValue)]
    [InlineData("sendAnonymous", 9223372036854775808UL)]
    [InlineData("sendAnonymous", ulong.MaxValue)]
    [InlineData("reply", 9223372036854775808UL)]
    [InlineData("reply", ulong.MaxValue)]
    [InlineData("reply", 2147483653UL)] // int.MaxValue + 6: wraps to 5 if truncated to int
    [InlineData("reply", 4294967301UL)] // 2^32 + 5: the same bytes as 5 if truncated to uint
    public void Huge_declared_length_fails_without_allocating(string name, ulong declared)
    {
        var frame = RequestCodec.Encode(Cases[name]());
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(frame.Length - Foomp.Length - 8), declared);
        RequestCodec.TryDecode(frame, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(RequestCodec.TryDecode(frame, out _, out var error));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        Assert.Contains($"specified: {declared} got: 5", error.Message, StringComparison.Ordinal);
        // The address check's BigInteger temporaries, at most; never anything the size of the claim.
        Assert.InRange(allocated, 0, 64 * 1024);
        ProtocolAssert.DecodeRequestFails(frame);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 64)]
    [InlineData(4, 0)]
    [InlineData(4, 64)]
    public void Recipient_off_the_curve_is_malformed_request(int recipientAt, int keyAt)
    {
        var request = recipientAt == 0 ? Cases["send"]() : Cases["sendAnonymous"]();
        var frame = RequestCodec.Encode(request);
        TestData.OffCurveKey.CopyTo(frame, 1 + recipientAt + keyAt);

        var error = ProtocolAssert.DecodeRequestFails(frame);
        Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        Assert.StartsWith("malformed recipient: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(keyAt == 0 ? "identity" : "gateway", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_is_checked_before_the_recipient_and_the_recipient_before_the_payload()
    {
        var frame = RequestCodec.Encode(Cases["send"]());
        TestData.OffCurveKey.CopyTo(frame, 1);

        Assert.Equal(ErrorKind.TooShortRequest, ProtocolAssert.DecodeRequestFails(frame[..100]).Kind);
        Assert.StartsWith("malformed recipient", ProtocolAssert.DecodeRequestFails(frame[..^1]).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x04, 1, "The received closed connection has invalid length")]
    [InlineData(0x04, 8, "The received closed connection has invalid length")]
    [InlineData(0x04, 10, "The received closed connection has invalid length")]
    [InlineData(0x04, 17, "The received closed connection has invalid length")]
    [InlineData(0x05, 1, "The received get lane queue lengths has invalid length")]
    [InlineData(0x05, 8, "The received get lane queue lengths has invalid length")]
    [InlineData(0x05, 10, "The received get lane queue lengths has invalid length")]
    [InlineData(0x05, 17, "The received get lane queue lengths has invalid length")]
    public void Connection_requests_must_be_exactly_nine_bytes(byte tag, int length, string message)
    {
        var frame = new byte[length];
        frame[0] = tag;

        Assert.Equal(new ProtocolError(ErrorKind.MalformedRequest, message), ProtocolAssert.DecodeRequestFails(frame));
    }
}
