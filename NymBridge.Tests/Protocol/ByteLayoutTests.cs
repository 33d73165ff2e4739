using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>Frames written out by hand from nym's serialize functions, compared both ways.</summary>
public class ByteLayoutTests
{
    private const string Spec = TestData.SpecAddressHex;
    private const string Mock = TestData.MockRecipientHex;
    private const string Foomp = "666f6f6d70";

    private static readonly Dictionary<string, (Func<ClientRequest> Request, string Hex)> Requests = new()
    {
        ["send"] = (() => new SendRequest(TestData.Spec, TestData.Utf8("foomp"), 42),
            "00" + Spec + "000000000000002a" + "0000000000000005" + Foomp),
        ["send, no connection, empty"] = (() => new SendRequest(TestData.Mock, Array.Empty<byte>()),
            "00" + Mock + "0000000000000000" + "0000000000000000"),
        ["send, multi-byte"] = (() => new SendRequest(TestData.Spec, TestData.Utf8(TestData.MultiByteText), 0x0102030405060708),
            "00" + Spec + "0102030405060708" + "0000000000000012" + TestData.MultiByteHex),
        ["sendAnonymous"] = (() => new SendAnonymousRequest(TestData.Spec, TestData.Utf8("foomp"), 666, 42),
            "01" + "0000029a" + Spec + "000000000000002a" + "0000000000000005" + Foomp),
        ["sendAnonymous, max surbs"] = (() => new SendAnonymousRequest(TestData.Mock, Array.Empty<byte>(), uint.MaxValue),
            "01" + "ffffffff" + Mock + "0000000000000000" + "0000000000000000"),
        ["reply"] = (() => new ReplyRequest(TestData.Tag8, TestData.Utf8("foomp"), 42),
            "02" + "08080808080808080808080808080808" + "000000000000002a" + "0000000000000005" + Foomp),
        ["selfAddress"] = (() => SelfAddressRequest.Instance, "03"),
        ["closedConnection"] = (() => new ClosedConnectionRequest(42), "04" + "000000000000002a"),
        ["getLaneQueueLength"] = (() => new GetLaneQueueLengthRequest(0x0102030405060708), "05" + "0102030405060708"),
    };

    private static readonly Dictionary<string, (Func<ServerResponse> Response, string Hex)> Responses = new()
    {
        ["error"] = (() => new ErrorResponse(ErrorKind.UnknownRequest, "foomp message"),
            "00" + "03" + "000000000000000d" + "666f6f6d70206d657373616765"),
        ["error, other, empty"] = (() => new ErrorResponse(ErrorKind.Other, ""), "00" + "ff" + "0000000000000000"),
        ["error, malformed response, multi-byte"] = (() => new ErrorResponse(ErrorKind.MalformedResponse, TestData.MultiByteText),
            "00" + "83" + "0000000000000012" + TestData.MultiByteHex),
        ["received with tag"] = (() => new ReceivedResponse(TestData.Utf8("foomp"), TestData.Tag42),
            "01" + "01" + "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a" + "0000000000000005" + Foomp),
        ["received without tag"] = (() => new ReceivedResponse(TestData.Utf8("foomp")),
            "01" + "00" + "0000000000000005" + Foomp),
        ["received, empty"] = (() => new ReceivedResponse(Array.Empty<byte>()), "01" + "00" + "0000000000000000"),
        ["selfAddress"] = (() => new SelfAddressResponse(TestData.Mock), "02" + Mock),
        ["laneQueueLength"] = (() => new LaneQueueLengthResponse(13, 42), "03" + "000000000000000d" + "000000000000002a"),
        ["laneQueueLength max"] = (() => new LaneQueueLengthResponse(ulong.MaxValue, 0x0102030405060708),
            "03" + "ffffffffffffffff" + "0102030405060708"),
    };

    public static TheoryData<string> RequestNames => new(Requests.Keys);
    public static TheoryData<string> ResponseNames => new(Responses.Keys);

    [Theory]
    [MemberData(nameof(RequestNames))]
    public void Request_layout(string name)
    {
        var (make, hex) = Requests[name];
        var request = make();

        Assert.Equal(hex, Convert.ToHexStringLower(RequestCodec.Encode(request)));
        ProtocolAssert.SameRequest(request, RequestCodec.Decode(TestData.Hex(hex)));
    }

    [Theory]
    [MemberData(nameof(ResponseNames))]
    public void Response_layout(string name)
    {
        var (make, hex) = Responses[name];
        var response = make();

        Assert.Equal(hex, Convert.ToHexStringLower(ResponseCodec.Encode(response)));
        ProtocolAssert.SameResponse(response, ResponseCodec.Decode(TestData.Hex(hex)));
    }

    [Fact]
    public void Every_kind_is_covered()
    {
        var requestTags = Requests.Values.Select(c => c.Request().Tag).ToHashSet();
        var responseTags = Responses.Values.Select(c => c.Response().Tag).ToHashSet();

        Assert.Equal(Enum.GetValues<RequestTag>().ToHashSet(), requestTags);
        Assert.Equal(Enum.GetValues<ResponseTag>().ToHashSet(), responseTags);
        Assert.Equal(9, Enum.GetValues<ErrorKind>().Length);
    }

    [Theory]
    [InlineData(ErrorKind.EmptyRequest, 0x01)]
    [InlineData(ErrorKind.TooShortRequest, 0x02)]
    [InlineData(ErrorKind.UnknownRequest, 0x03)]
    [InlineData(ErrorKind.MalformedRequest, 0x04)]
    [InlineData(ErrorKind.EmptyResponse, 0x80)]
    [InlineData(ErrorKind.TooShortResponse, 0x81)]
    [InlineData(ErrorKind.UnknownResponse, 0x82)]
    [InlineData(ErrorKind.MalformedResponse, 0x83)]
    [InlineData(ErrorKind.Other, 0xFF)]
    public void Error_kind_bytes(ErrorKind kind, byte value)
    {
        Assert.Equal(value, (byte)kind);
        Assert.Equal([0x00, value, 0, 0, 0, 0, 0, 0, 0, 0], ResponseCodec.Encode(new ErrorResponse(kind, "")));
    }
}
