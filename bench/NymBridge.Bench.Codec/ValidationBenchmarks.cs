using BenchmarkDotNet.Attributes;
using NymBridge.Protocol;

namespace NymBridge.Bench.Codec;

/// <summary>What every send pays before encoding: parsing and validating the recipient or the sender tag.</summary>
public class ValidationBenchmarks
{
    private readonly byte[] _identity = Payloads.Recipient.Identity.ToArray();

    /// <summary>Base58 of three keys plus the Ed25519 decompression check of identity and gateway.</summary>
    [Benchmark]
    public bool ParseAddress() => NymAddress.TryParse(Payloads.Address, out _, out _);

    /// <summary>One of the two Ed25519 checks inside <see cref="ParseAddress"/>.</summary>
    [Benchmark]
    public bool Ed25519PointCheck() => Ed25519Point.IsValid(_identity);

    [Benchmark]
    public bool ParseSenderTag() => SenderTag.TryParse(Payloads.Tag, out _, out _);
}
