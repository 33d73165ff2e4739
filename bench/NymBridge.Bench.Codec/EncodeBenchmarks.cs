using System.Buffers;
using BenchmarkDotNet.Attributes;
using NymBridge.Protocol;

namespace NymBridge.Bench.Codec;

/// <summary>Request frames written into a pooled buffer, as the bridge's writer does: no allocation may happen per frame.</summary>
public class EncodeBenchmarks
{
    private ClientRequest _request = null!;
    private byte[] _pooled = null!;
    private ArrayBufferWriter<byte> _writer = null!;

    [Params(RequestTag.Send, RequestTag.SendAnonymous, RequestTag.Reply)]
    public RequestTag Kind { get; set; }

    [Params(100, 1024, 64 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var payload = Payloads.Bytes(Size);
        _request = Kind switch
        {
            RequestTag.Send => new SendRequest(Payloads.Recipient, payload),
            RequestTag.SendAnonymous => new SendAnonymousRequest(Payloads.Recipient, payload, 20),
            _ => new ReplyRequest(Payloads.SenderTag, payload),
        };
        _pooled = ArrayPool<byte>.Shared.Rent(RequestCodec.GetEncodedLength(_request));
        _writer = new ArrayBufferWriter<byte>(RequestCodec.GetEncodedLength(_request));
    }

    [GlobalCleanup]
    public void Cleanup() => ArrayPool<byte>.Shared.Return(_pooled);

    /// <summary><c>Encode(request, Span)</c> into an ArrayPool buffer.</summary>
    [Benchmark(Baseline = true)]
    public int EncodeToPooledSpan() => RequestCodec.Encode(_request, _pooled);

    /// <summary><c>Encode(request, IBufferWriter)</c> into a reused writer.</summary>
    [Benchmark]
    public int EncodeToBufferWriter()
    {
        _writer.ResetWrittenCount();
        RequestCodec.Encode(_request, _writer);
        return _writer.WrittenCount;
    }
}
