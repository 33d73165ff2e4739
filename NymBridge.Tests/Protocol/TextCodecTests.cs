using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>Text frames as serde_json writes nym's text.rs types: compact, fields in declaration order, UTF-8 unescaped.</summary>
public class TextCodecTests
{
    private const string A = TestData.SpecAddress;
    private const string Tag = TestData.Tag8Text;
    private static readonly byte[] Foomp = TestData.Utf8("foomp");

    private static readonly Dictionary<string, (Func<ClientRequest> Request, string Text)> Requests = new()
    {
        ["send"] = (() => new SendRequest(TestData.Spec, Foomp, 42),
            $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":42}"""),
        ["send, no connection"] = (() => new SendRequest(TestData.Spec, Foomp),
            $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":null}"""),
        ["send, empty, max connection"] = (() => new SendRequest(TestData.Spec, Array.Empty<byte>(), ulong.MaxValue),
            $$"""{"type":"send","message":"","recipient":"{{A}}","connectionId":18446744073709551615}"""),
        ["send, multi-byte"] = (() => new SendRequest(TestData.Spec, TestData.Utf8(TestData.MultiByteText)),
            $$"""{"type":"send","message":"héllo 🌍 世界","recipient":"{{A}}","connectionId":null}"""),
        ["sendAnonymous"] = (() => new SendAnonymousRequest(TestData.Spec, Foomp, 666, 42),
            $$"""{"type":"sendAnonymous","recipient":"{{A}}","message":"foomp","replySurbs":666,"connectionId":42}"""),
        ["sendAnonymous, 0 surbs"] = (() => new SendAnonymousRequest(TestData.Spec, Foomp, 0),
            $$"""{"type":"sendAnonymous","recipient":"{{A}}","message":"foomp","replySurbs":0,"connectionId":null}"""),
        ["sendAnonymous, max surbs, multi-byte"] = (() => new SendAnonymousRequest(TestData.Spec, TestData.Utf8(TestData.MultiByteText), uint.MaxValue),
            $$"""{"type":"sendAnonymous","recipient":"{{A}}","message":"héllo 🌍 世界","replySurbs":4294967295,"connectionId":null}"""),
        ["reply"] = (() => new ReplyRequest(TestData.Tag8, Foomp, 42),
            $$"""{"type":"reply","senderTag":"{{Tag}}","message":"foomp","connectionId":42}"""),
        ["reply, no connection, empty"] = (() => new ReplyRequest(TestData.Tag8, Array.Empty<byte>()),
            $$"""{"type":"reply","senderTag":"{{Tag}}","message":"","connectionId":null}"""),
        ["selfAddress"] = (() => SelfAddressRequest.Instance, """{"type":"selfAddress"}"""),
    };

    private static readonly Dictionary<string, (Func<ServerResponse> Response, string Text)> Responses = new()
    {
        ["received"] = (() => new ReceivedResponse(Foomp), """{"type":"received","message":"foomp","senderTag":null}"""),
        ["received with tag"] = (() => new ReceivedResponse(Foomp, TestData.Tag8),
            $$"""{"type":"received","message":"foomp","senderTag":"{{Tag}}"}"""),
        ["received, empty"] = (() => new ReceivedResponse(Array.Empty<byte>()), """{"type":"received","message":"","senderTag":null}"""),
        ["received, multi-byte"] = (() => new ReceivedResponse(TestData.Utf8(TestData.MultiByteText)),
            """{"type":"received","message":"héllo 🌍 世界","senderTag":null}"""),
        ["selfAddress"] = (() => new SelfAddressResponse(TestData.Spec), $$"""{"type":"selfAddress","address":"{{A}}"}"""),
        ["laneQueueLength"] = (() => new LaneQueueLengthResponse(1, 0), """{"type":"laneQueueLength","lane":1,"queue_length":0}"""),
        ["laneQueueLength max"] = (() => new LaneQueueLengthResponse(ulong.MaxValue, ulong.MaxValue),
            """{"type":"laneQueueLength","lane":18446744073709551615,"queue_length":18446744073709551615}"""),
        ["error"] = (() => new ErrorResponse(ErrorKind.MalformedRequest, "foomp"), """{"type":"error","message":"malformed request:foomp"}"""),
        ["error, empty"] = (() => new ErrorResponse(ErrorKind.Other, ""), """{"type":"error","message":"other:"}"""),
    };

    public static TheoryData<string> RequestNames => new(Requests.Keys);
    public static TheoryData<string> ResponseNames => new(Responses.Keys);

    [Theory]
    [MemberData(nameof(RequestNames))]
    public void Request_text_is_serdes_and_round_trips(string name)
    {
        var (make, text) = Requests[name];
        var request = make();

        Assert.Equal(text, TextCodec.EncodeRequest(request));
        Assert.True(TextCodec.TryDecodeRequest(text, out var decoded, out var error), error.ToString());
        ProtocolAssert.SameRequest(request, decoded);
    }

    [Theory]
    [MemberData(nameof(ResponseNames))]
    public void Response_text_is_serdes_and_round_trips(string name)
    {
        var (make, text) = Responses[name];
        var response = make();

        Assert.Equal(text, TextCodec.EncodeResponse(response));
        Assert.True(TextCodec.TryDecodeResponse(text, out var decoded, out var error), error.ToString());
        ProtocolAssert.SameResponse(response, decoded);
    }

    [Fact]
    public void Connection_requests_have_no_text_form()
    {
        Assert.Throws<NotSupportedException>(() => TextCodec.EncodeRequest(new ClosedConnectionRequest(42)));
        Assert.Throws<NotSupportedException>(() => TextCodec.EncodeRequest(new GetLaneQueueLengthRequest(42)));
    }

    [Fact]
    public void Request_payload_that_is_not_Utf8_cannot_be_text()
    {
        var request = new SendRequest(TestData.Spec, new byte[] { 0x66, 0xFF });
        Assert.Throws<ArgumentException>(() => TextCodec.EncodeRequest(request));
    }

    [Theory]
    // String::from_utf8_lossy's own documentation example: one U+FFFD per maximal invalid sequence.
    [InlineData("48656c6c6f20f09080576f726c64", "Hello \uFFFDWorld")]
    [InlineData("ff8041", "\uFFFD\uFFFDA")]
    [InlineData("eda08041", "\uFFFD\uFFFD\uFFFDA")] // an encoded surrogate is three invalid bytes
    [InlineData("66c3", "f\uFFFD")]
    public void Received_payload_that_is_not_Utf8_is_replaced_lossily(string payloadHex, string expected)
    {
        var text = TextCodec.EncodeResponse(new ReceivedResponse(TestData.Hex(payloadHex)));

        Assert.True(TextCodec.TryDecodeResponse(text, out var decoded, out _));
        Assert.Equal(expected, Encoding.UTF8.GetString(Assert.IsType<ReceivedResponse>(decoded).Message.Span));
        Assert.Equal($$"""{"type":"received","message":"{{expected}}","senderTag":null}""", text);
    }

    [Fact]
    public void Strings_are_escaped_as_serde_escapes_them()
    {
        // serde_json escapes only '"', '\' and the C0 controls (short forms where JSON has them,
        // else \u00xx in lower case); '/', DEL, HTML-sensitive and non-ASCII characters stay as they are.
        var payload = "\"\\/\b\f\n\r\t\u0000\u001f\u007f<>&'+`é🌍";
        var text = TextCodec.EncodeResponse(new ReceivedResponse(TestData.Utf8(payload)));

        Assert.Equal("{\"type\":\"received\",\"message\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\u007f<>&'+`é🌍\",\"senderTag\":null}", text);
        Assert.True(TextCodec.TryDecodeResponse(text, out var decoded, out _));
        Assert.Equal(payload, Encoding.UTF8.GetString(Assert.IsType<ReceivedResponse>(decoded).Message.Span));
    }

    [Fact]
    public void Lone_surrogates_become_replacement_characters()
    {
        var text = TextCodec.EncodeResponse(new ErrorResponse(ErrorKind.Other, "a\uD800b\uDC00c\uD83C"));
        Assert.Equal("{\"type\":\"error\",\"message\":\"other:a\uFFFDb\uFFFDc\uFFFD\"}", text);
    }

    [Theory]
    [InlineData(ErrorKind.EmptyRequest, "received request contained no data")]
    [InlineData(ErrorKind.TooShortRequest, "received request did not contain enough data")]
    [InlineData(ErrorKind.UnknownRequest, "unknown request type")]
    [InlineData(ErrorKind.MalformedRequest, "malformed request")]
    [InlineData(ErrorKind.EmptyResponse, "received response contained no data")]
    [InlineData(ErrorKind.TooShortResponse, "received response did not contain enough data")]
    [InlineData(ErrorKind.UnknownResponse, "unknown response type")]
    [InlineData(ErrorKind.MalformedResponse, "malformed response")]
    [InlineData(ErrorKind.Other, "other")]
    public void Error_text_carries_the_kind_description_and_decodes_back_to_the_kind(ErrorKind kind, string description)
    {
        var text = TextCodec.EncodeResponse(new ErrorResponse(kind, "x: héllo"));

        Assert.Equal($$"""{"type":"error","message":"{{description}}:x: héllo"}""", text);
        Assert.True(TextCodec.TryDecodeResponse(text, out var decoded, out _));
        Assert.Equal(new ErrorResponse(kind, "x: héllo"), decoded);
    }

    [Theory]
    [InlineData("no known prefix")]
    [InlineData("malformed request")] // the description without its ':'
    [InlineData("")]
    public void Error_text_without_a_known_prefix_is_other(string message)
    {
        Assert.True(TextCodec.TryDecodeResponse($$"""{"type":"error","message":"{{message}}"}""", out var decoded, out _));
        Assert.Equal(new ErrorResponse(ErrorKind.Other, message), decoded);
    }

    [Fact]
    public void Unknown_fields_are_ignored_and_order_does_not_matter()
    {
        var text = $$"""{"extra":[1,{"x":null}],"connectionId":7,"recipient":"{{A}}","message":"foomp","type":"send","Type":"reply"}""";

        Assert.True(TextCodec.TryDecodeRequest(text, out var decoded, out var error), error.ToString());
        ProtocolAssert.SameRequest(new SendRequest(TestData.Spec, Foomp, 7), decoded);

        Assert.True(TextCodec.TryDecodeRequest("""{"type":"selfAddress","address":5}""", out decoded, out _));
        Assert.IsType<SelfAddressRequest>(decoded);

        Assert.True(TextCodec.TryDecodeResponse("""{"queue_length":3,"lane":2,"queueLength":9,"type":"laneQueueLength"}""", out var response, out _));
        Assert.Equal(new LaneQueueLengthResponse(2, 3), response);
    }

    [Theory]
    [InlineData("""{"type":"selfAddress","type":"selfAddress"}""", "duplicate field `type`")]
    [InlineData("""{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78T","message":"a","message":"b"}""", "duplicate field `message`")]
    [InlineData("""{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78T","message":"a","connectionId":1,"connectionId":null}""", "duplicate field `connectionId`")]
    [InlineData("""{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78T","senderT\u0061g":"zXExeyvPEHUk9rjXTu78T","message":""}""", "duplicate field `senderTag`")]
    public void Field_of_the_variant_given_twice_is_malformed_request(string text, string message)
    {
        // serde's derived Deserialize refuses a known field (or the tag) seen twice; it does not pick one.
        Assert.False(TextCodec.TryDecodeRequest(text, out _, out var error));
        Assert.Equal(new ProtocolError(ErrorKind.MalformedRequest, message), error);
    }

    [Fact]
    public void Field_of_the_variant_given_twice_is_malformed_response()
    {
        Assert.False(TextCodec.TryDecodeResponse("""{"type":"laneQueueLength","lane":1,"lane":2,"queue_length":0}""", out _, out var error));
        Assert.Equal(new ProtocolError(ErrorKind.MalformedResponse, "duplicate field `lane`"), error);
    }

    [Fact]
    public void Fields_serde_ignores_may_repeat()
    {
        // Unknown to the variant, so serde skips them however often they come.
        Assert.True(TextCodec.TryDecodeRequest("""{"type":"selfAddress","message":"a","message":"b","x":{"y":1,"y":2}}""", out var request, out _));
        Assert.IsType<SelfAddressRequest>(request);

        Assert.True(TextCodec.TryDecodeRequest("""{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78T","message":"","replySurbs":1,"replySurbs":2}""", out request, out _));
        Assert.IsType<ReplyRequest>(request);
    }

    [Fact]
    public void Missing_optional_fields_are_null()
    {
        Assert.True(TextCodec.TryDecodeRequest($$"""{"type":"send","message":"foomp","recipient":"{{A}}"}""", out var send, out _));
        Assert.Null(Assert.IsType<SendRequest>(send).ConnectionId);

        Assert.True(TextCodec.TryDecodeResponse("""{"type":"received","message":"foomp"}""", out var received, out _));
        Assert.Null(Assert.IsType<ReceivedResponse>(received).SenderTag);
    }

    [Fact]
    public void Text_connection_id_zero_stays_zero()
    {
        // serde gives Some(0) here, and nym-client answers it with a LaneQueueLength for lane 0;
        // only the binary form cannot tell 0 from none.
        Assert.True(TextCodec.TryDecodeRequest($$"""{"type":"reply","senderTag":"{{Tag}}","message":"","connectionId":0}""", out var reply, out _));
        Assert.Equal(0UL, Assert.IsType<ReplyRequest>(reply).ConnectionId);
    }

    public static TheoryData<string> MalformedRequests => new()
    {
        "",
        "not json",
        "null",
        "[]",
        "\"send\"",
        "{}",
        """{"type":1}""",
        """{"type":null}""",
        """{"type":"Send"}""",
        """{"type":"closedConnection","connectionId":1}""",
        """{"type":"selfAddress",}""",
        """{"type":"selfAddress"} // comment""",
        """{"type":"selfAddress"}{}""",
        $$"""{"type":"send","recipient":"{{A}}"}""",
        """{"type":"send","message":"foomp"}""",
        $$"""{"type":"send","message":5,"recipient":"{{A}}"}""",
        $$"""{"type":"send","message":null,"recipient":"{{A}}"}""",
        $$"""{"type":"send","message":"\ud800","recipient":"{{A}}"}""",
        $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":"5"}""",
        $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":-1}""",
        $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":1.5}""",
        $$"""{"type":"send","message":"foomp","recipient":"{{A}}","connectionId":18446744073709551616}""",
        """{"type":"send","message":"foomp","recipient":"71od3ZAupdCdxeFNg8sdonqfZTnZZy1E86WYKEjxD4kj@FWYoUrnKuXryysptnCZgUYRTauHq4FnEFu2QGn5LZWbm"}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}"}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}","replySurbs":"20"}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}","replySurbs":-1}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}","replySurbs":4294967296}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}","replySurbs":2.0}""",
        $$"""{"type":"sendAnonymous","message":"foomp","recipient":"{{A}}","replySurbs":1e1}""",
        """{"type":"reply","message":"foomp"}""",
        """{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78","message":"foomp"}""",
        """{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu780","message":"foomp"}""",
        """{"type":"reply","senderTag":5,"message":"foomp"}""",
        $$"""{"type":"reply","senderTag":"{{Tag}}"}""",
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public void Malformed_request_text_is_malformed_request(string text)
    {
        Assert.False(TextCodec.TryDecodeRequest(text, out var request, out var error));
        Assert.Null(request);
        Assert.Equal(ErrorKind.MalformedRequest, error.Kind);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    public static TheoryData<string> MalformedResponses => new()
    {
        "",
        "{",
        "[]",
        "{}",
        """{"type":"send"}""",
        """{"type":"received"}""",
        """{"type":"received","message":1}""",
        """{"type":"received","message":"a","senderTag":5}""",
        """{"type":"received","message":"a","senderTag":"not a tag"}""",
        """{"type":"selfAddress"}""",
        """{"type":"selfAddress","address":"nope"}""",
        """{"type":"laneQueueLength","lane":1,"queueLength":0}""",
        """{"type":"laneQueueLength","lane":"1","queue_length":0}""",
        """{"type":"laneQueueLength","lane":1,"queue_length":-1}""",
        """{"type":"laneQueueLength","lane":1,"queue_length":18446744073709551616}""",
        """{"type":"laneQueueLength","queue_length":0}""",
        """{"type":"error"}""",
        """{"type":"error","message":{"kind":1}}""",
    };

    [Theory]
    [MemberData(nameof(MalformedResponses))]
    public void Malformed_response_text_is_malformed_response(string text)
    {
        Assert.False(TextCodec.TryDecodeResponse(text, out var response, out var error));
        Assert.Null(response);
        Assert.Equal(ErrorKind.MalformedResponse, error.Kind);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void Missing_field_is_named_as_serde_names_it()
    {
        Assert.False(TextCodec.TryDecodeResponse("""{"type":"laneQueueLength","lane":1,"queueLength":0}""", out _, out var error));
        Assert.Equal("missing field `queue_length`", error.Message);

        Assert.False(TextCodec.TryDecodeRequest($$"""{"type":"sendAnonymous","message":"","recipient":"{{A}}"}""", out _, out error));
        Assert.Equal("missing field `replySurbs`", error.Message);
    }
}
