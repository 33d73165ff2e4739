using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>
/// Field-by-field comparison: records compare <see cref="ReadOnlyMemory{T}"/> payloads by reference,
/// and a connection id of 0 is null once it has been on the wire.
/// </summary>
internal static class ProtocolAssert
{
    public static void SameRequest(ClientRequest expected, ClientRequest actual)
    {
        Assert.IsType(expected.GetType(), actual);
        switch (expected, actual)
        {
            case (SendRequest e, SendRequest a):
                Assert.Equal(e.Recipient, a.Recipient);
                Assert.Equal(e.Message.ToArray(), a.Message.ToArray());
                Assert.Equal(WireId(e.ConnectionId), a.ConnectionId);
                break;
            case (SendAnonymousRequest e, SendAnonymousRequest a):
                Assert.Equal(e.Recipient, a.Recipient);
                Assert.Equal(e.Message.ToArray(), a.Message.ToArray());
                Assert.Equal(e.ReplySurbs, a.ReplySurbs);
                Assert.Equal(WireId(e.ConnectionId), a.ConnectionId);
                break;
            case (ReplyRequest e, ReplyRequest a):
                Assert.Equal(e.SenderTag, a.SenderTag);
                Assert.Equal(e.Message.ToArray(), a.Message.ToArray());
                Assert.Equal(WireId(e.ConnectionId), a.ConnectionId);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    public static void SameResponse(ServerResponse expected, ServerResponse actual)
    {
        Assert.IsType(expected.GetType(), actual);
        if (expected is ReceivedResponse e && actual is ReceivedResponse a)
        {
            Assert.Equal(e.SenderTag, a.SenderTag);
            Assert.Equal(e.Message.ToArray(), a.Message.ToArray());
        }
        else
        {
            Assert.Equal(expected, actual);
        }
    }

    public static ProtocolError DecodeRequestFails(byte[] frame)
    {
        Assert.False(RequestCodec.TryDecode(frame, out var request, out var error));
        Assert.Null(request);
        var thrown = Assert.Throws<NymProtocolException>(() => RequestCodec.Decode(frame));
        Assert.Equal(error, thrown.Error);
        Assert.Equal(error.Kind, thrown.Kind);
        Assert.Equal($"{error.Kind.Describe()}:{error.Message}", thrown.Message);
        return error;
    }

    public static ProtocolError DecodeResponseFails(byte[] frame)
    {
        Assert.False(ResponseCodec.TryDecode(frame, out var response, out var error));
        Assert.Null(response);
        var thrown = Assert.Throws<NymProtocolException>(() => ResponseCodec.Decode(frame));
        Assert.Equal(error, thrown.Error);
        Assert.Equal(error.Kind, thrown.Kind);
        return error;
    }

    private static ulong? WireId(ulong? id) => id is 0 ? null : id;
}
