using System.Buffers.Binary;
using NymBridge.Protocol;

namespace NymBridge.Tests.Common;

/// <summary>Request frames written out field by field, independent of the codec under test.</summary>
internal static class WireFrames
{
    public static byte[] Send(NymAddress recipient, ulong connectionId, byte[] payload) =>
        [0x00, .. recipient.Bytes, .. U64(connectionId), .. U64((ulong)payload.Length), .. payload];

    public static byte[] SendAnonymous(NymAddress recipient, uint replySurbs, ulong connectionId, byte[] payload) =>
        [0x01, .. U32(replySurbs), .. recipient.Bytes, .. U64(connectionId), .. U64((ulong)payload.Length), .. payload];

    public static byte[] Reply(SenderTag tag, ulong connectionId, byte[] payload) =>
        [0x02, .. tag.ToArray(), .. U64(connectionId), .. U64((ulong)payload.Length), .. payload];

    public static byte[] ClosedConnection(ulong id) => [0x04, .. U64(id)];

    public static byte[] GetLaneQueueLength(ulong id) => [0x05, .. U64(id)];

    private static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }
}
