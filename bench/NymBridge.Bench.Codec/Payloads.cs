using NymBridge.Protocol;

namespace NymBridge.Bench.Codec;

internal static class Payloads
{
    // The address nym's own tests use: identity and gateway are valid Ed25519 points.
    public const string Address =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    public const string Tag = "7Ls8mWq6rCQ1kE2bB7g6Zw";

    public static NymAddress Recipient { get; } = NymAddress.Parse(Address);

    public static SenderTag SenderTag { get; } = SenderTag.FromBytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);

    public static byte[] Bytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
