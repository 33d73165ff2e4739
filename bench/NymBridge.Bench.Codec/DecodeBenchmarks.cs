using System.Buffers;
using BenchmarkDotNet.Attributes;
using NymBridge.Protocol;

namespace NymBridge.Bench.Codec;

/// <summary>Received frames decoded: the payload is a slice of the frame, so only the response object is allocated.</summary>
public class DecodeBenchmarks
{
    private byte[] _frame = null!;
    private byte[] _receiveBuffer = null!;

    [Params(100, 1024, 64 * 1024)]
    public int Size { get; set; }

    [Params(false, true)]
    public bool WithSenderTag { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frame = ResponseCodec.Encode(new ReceivedResponse(Payloads.Bytes(Size), WithSenderTag ? Payloads.SenderTag : null));
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(_frame.Length);
        _frame.CopyTo(_receiveBuffer, 0);
    }

    [GlobalCleanup]
    public void Cleanup() => ArrayPool<byte>.Shared.Return(_receiveBuffer);

    /// <summary><c>ResponseCodec.TryDecode</c> of a frame that is already its own array.</summary>
    [Benchmark(Baseline = true)]
    public int DecodeReceived() =>
        ResponseCodec.TryDecode(_frame, out var response, out _) ? ((ReceivedResponse)response).Message.Length : -1;

    /// <summary>
    /// What the bridge's reader does per message: copy the frame out of its pooled receive buffer
    /// (the copy the inbox keeps) and decode it. The copy is the payload's own allocation.
    /// </summary>
    [Benchmark]
    public int CopyAndDecodeReceived() =>
        ResponseCodec.TryDecode(_receiveBuffer.AsSpan(0, _frame.Length).ToArray(), out var response, out _)
            ? ((ReceivedResponse)response).Message.Length
            : -1;
}
