using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class ResponseCodecTests
{
    private static readonly byte[] Foomp = TestData.Utf8("foomp");

    private static readonly Dictionary<string, Func<ServerResponse>> Cases = new()
    {
        ["error"] = () => new ErrorResponse(ErrorKind.Other, "foomp"),
        ["error, empty message"] = () => new ErrorResponse(ErrorKind.Other, ""),
        ["error, multi-byte message"] = () => new ErrorResponse(ErrorKind.MalformedRequest, TestData.MultiByteText),
        ["received"] = () => new ReceivedResponse(Foomp),
        ["received with tag"] = () => new ReceivedResponse(Foomp, TestData.Tag42),
        ["received, empty"] = () => new ReceivedResponse(Array.Empty<byte>()),
        ["received with tag, empty"] = () => new ReceivedResponse(Array.Empty<byte>(), TestData.Tag8),
        ["received, multi-byte"] = () => new ReceivedResponse(TestData.Utf8(TestData.MultiByteText), TestData.Tag8),
        ["received, not UTF-8"] = () => new ReceivedResponse(new byte[] { 0xFF, 0x80, 0x00, 0xC3 }),
        ["received, 70000 random bytes"] = () => new ReceivedResponse(TestData.RandomBytes(new Random(70000), 70000), TestData.Tag42),
        ["selfAddress"] = () => new SelfAddressResponse(TestData.Spec),
        ["selfAddress, mock recipient"] = () => new SelfAddressResponse(TestData.Mock),
        ["laneQueueLength"] = () => new LaneQueueLengthResponse(13, 42),
        ["laneQueueLength 0"] = () => new LaneQueueLengthResponse(0, 0),
        ["laneQueueLength max"] = () => new LaneQueueLengthResponse(ulong.MaxValue, ulong.MaxValue),
    };

    static ResponseCodecTests()
    {
        foreach (var kind in Enum.GetValues<ErrorKind>())
        {
            Cases[$"error {kind}"] = () => new ErrorResponse(kind, "foomp message");
        }
    }

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Round_trips_through_every_encoder(string name)
    {
        var response = Cases[name]();
        var frame = ResponseCodec.Encode(response);
        Assert.Equal(ResponseCodec.GetEncodedLength(response), frame.Length);
        Assert.Equal((byte)response.Tag, frame[0]);

        var span = TestData.Filled(frame.Length + 7, 0xEE);
        Assert.Equal(frame.Length, ResponseCodec.Encode(response, span.AsSpan()));
        Assert.Equal(frame, span[..frame.Length]);
        Assert.All(span[frame.Length..], b => Assert.Equal(0xEE, b));

        var writer = new ArrayBufferWriter<byte>();
        writer.Write<byte>([0xAB, 0xCD]);
        ResponseCodec.Encode(response, writer);
        Assert.Equal(TestData.Concat([0xAB, 0xCD], frame), writer.WrittenSpan.ToArray());

        ProtocolAssert.SameResponse(response, ResponseCodec.Decode(frame));
        Assert.True(ResponseCodec.TryDecode(frame, out var decoded, out var error), error.ToString());
        ProtocolAssert.SameResponse(response, decoded);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Too_small_a_destination_is_an_argument_error(string name)
    {
        var response = Cases[name]();
        Assert.Throws<ArgumentException>(() => ResponseCodec.Encode(response, new byte[ResponseCodec.GetEncodedLength(response) - 1]));
    }

    [Fact]
    public void Error_message_length_counts_Utf8_bytes()
    {
        var frame = ResponseCodec.Encode(new ErrorResponse(ErrorKind.Other, TestData.MultiByteText));

        Assert.Equal(18UL, BinaryPrimitives.ReadUInt64BigEndian(frame.AsSpan(2)));
        Assert.Equal(2 + 8 + 18, frame.Length);
    }

    [Fact]
    public void Decoded_payload_is_a_slice_of_the_frame()
    {
        var frame = ResponseCodec.Encode(new ReceivedResponse(Foomp, TestData.Tag42));

        var received = Assert.IsType<ReceivedResponse>(ResponseCodec.Decode(frame));
        Assert.True(MemoryMarshal.TryGetArray(received.Message, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(frame.Length - Foomp.Length, segment.Offset);
    }

    [Fact]
    public void Empty_frame_is_empty_response() =>
        Assert.Equal(new ProtocolError(ErrorKind.EmptyResponse, "no data provided"), ProtocolAssert.DecodeResponseFails([]));

    [Theory]
    [InlineData(0x04)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void Unknown_tag_is_unknown_response(byte tag)
    {
        var error = ProtocolAssert.DecodeResponseFails([tag, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(new ProtocolError(ErrorKind.UnknownResponse, $"{tag} does not correspond to any valid response tag"), error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(9)] // nym's decoder panics on this one: it checks for 9 bytes but reads 10
    public void Error_shorter_than_its_header_is_too_short_response(int length)
    {
        var frame = ResponseCodec.Encode(new ErrorResponse(ErrorKind.UnknownRequest, ""))[..length];

        Assert.Equal(new ProtocolError(ErrorKind.TooShortResponse, "not enough data provided to recover 'error'"), ProtocolAssert.DecodeResponseFails(frame));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x05)]
    [InlineData(0x7F)]
    [InlineData(0x84)]
    [InlineData(0xFE)]
    public void Unknown_error_kind_is_malformed_response(byte kind)
    {
        var frame = ResponseCodec.Encode(new ErrorResponse(ErrorKind.Other, "foomp"));
        frame[1] = kind;

        Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, $"invalid error code {kind}"), ProtocolAssert.DecodeResponseFails(frame));
    }

    [Theory]
    [InlineData(0xFF)]
    [InlineData(0xC3)] // a lead byte with nothing after it
    [InlineData(0x80)] // a lone continuation byte
    public void Error_message_that_is_not_Utf8_is_malformed_response(byte bad)
    {
        var frame = ResponseCodec.Encode(new ErrorResponse(ErrorKind.Other, "foomp"));
        frame[^1] = bad;

        var error = ProtocolAssert.DecodeResponseFails(frame);
        Assert.Equal(ErrorKind.MalformedResponse, error.Kind);
        Assert.StartsWith("malformed error message: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("error")]
    [InlineData("received")]
    [InlineData("received with tag")]
    public void Payload_shorter_or_longer_than_declared_is_malformed_response(string name)
    {
        var frame = ResponseCodec.Encode(Cases[name]());
        var headerLength = frame.Length - Foomp.Length;

        for (var length = headerLength; length < frame.Length; length++)
        {
            var error = ProtocolAssert.DecodeResponseFails(frame[..length]);
            Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, $"message len has inconsistent length. specified: 5 got: {length - headerLength}"), error);
        }

        var longer = ProtocolAssert.DecodeResponseFails(TestData.Concat(frame, [0x00]));
        Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, "message len has inconsistent length. specified: 5 got: 6"), longer);
    }

    [Theory]
    [InlineData("error", 9223372036854775808UL)]
    [InlineData("error", ulong.MaxValue)]
    [InlineData("received", 9223372036854775808UL)]
    [InlineData("received", ulong.MaxValue)]
    [InlineData("received with tag", 9223372036854775808UL)]
    [InlineData("received with tag", ulong.MaxValue)]
    [InlineData("received", 4294967301UL)] // 2^32 + 5: the same low bytes as 5
    public void Huge_declared_length_fails_without_allocating(string name, ulong declared)
    {
        var frame = ResponseCodec.Encode(Cases[name]());
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(frame.Length - Foomp.Length - 8), declared);
        ResponseCodec.TryDecode(frame, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(ResponseCodec.TryDecode(frame, out _, out var error));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, $"message len has inconsistent length. specified: {declared} got: 5"), error);
        Assert.InRange(allocated, 0, 4096);
        ProtocolAssert.DecodeResponseFails(frame);
    }

    [Theory]
    [InlineData(0x02)]
    [InlineData(0xFF)]
    public void Sender_tag_flag_other_than_zero_or_one_is_malformed_response(byte flag)
    {
        var frame = ResponseCodec.Encode(new ReceivedResponse(Foomp));
        frame[1] = flag;

        Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, $"invalid sender tag flag {flag}"), ProtocolAssert.DecodeResponseFails(frame));
    }

    [Fact]
    public void Received_shorter_than_its_header_is_too_short_response()
    {
        var tooShort = new ProtocolError(ErrorKind.TooShortResponse, "not enough data provided to recover 'received'");
        var untagged = ResponseCodec.Encode(new ReceivedResponse(Array.Empty<byte>()));
        var tagged = ResponseCodec.Encode(new ReceivedResponse(Array.Empty<byte>(), TestData.Tag42));

        for (var length = 1; length < untagged.Length; length++)
        {
            Assert.Equal(tooShort, ProtocolAssert.DecodeResponseFails(untagged[..length]));
        }

        for (var length = 1; length < tagged.Length; length++)
        {
            Assert.Equal(tooShort, ProtocolAssert.DecodeResponseFails(tagged[..length]));
        }

        // Below 10 bytes the length check comes first, as in nym, even with a bad flag.
        Assert.Equal(tooShort, ProtocolAssert.DecodeResponseFails([0x01, 0x07, 0, 0]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(96)]
    [InlineData(98)]
    public void Self_address_of_wrong_length_is_too_short_response(int length)
    {
        // nym reports TooShortResponse for any length but 97, longer ones included.
        var frame = TestData.Concat([0x02], TestData.MockRecipient, [0x00])[..length];

        Assert.Equal(ErrorKind.TooShortResponse, ProtocolAssert.DecodeResponseFails(frame).Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    public void Self_address_off_the_curve_is_malformed_response(int keyAt)
    {
        var frame = ResponseCodec.Encode(new SelfAddressResponse(TestData.Mock));
        TestData.OffCurveKey.CopyTo(frame, 1 + keyAt);

        var error = ProtocolAssert.DecodeResponseFails(frame);
        Assert.Equal(ErrorKind.MalformedResponse, error.Kind);
        Assert.StartsWith("malformed Recipient: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lane_queue_length_under_seventeen_bytes_is_too_short_response()
    {
        // nym's decoder panics on these (it slices without checking the length).
        var frame = ResponseCodec.Encode(new LaneQueueLengthResponse(13, 42));
        for (var length = 1; length < 17; length++)
        {
            Assert.Equal(ErrorKind.TooShortResponse, ProtocolAssert.DecodeResponseFails(frame[..length]).Kind);
        }
    }

    [Fact]
    public void Lane_queue_length_with_trailing_bytes_is_malformed_response()
    {
        // nym would read the first 17 bytes and ignore the rest; nym-client never writes more, so we refuse.
        var frame = TestData.Concat(ResponseCodec.Encode(new LaneQueueLengthResponse(13, 42)), [0x00]);

        Assert.Equal(ErrorKind.MalformedResponse, ProtocolAssert.DecodeResponseFails(frame).Kind);
    }
}
