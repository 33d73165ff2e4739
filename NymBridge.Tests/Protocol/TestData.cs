using System.Numerics;
using System.Text;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>Vectors from nym's Rust sources and small independent helpers to check our code against.</summary>
internal static class TestData
{
    // Used throughout nym's websocket-requests tests.
    public const string SpecAddress =
        "CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f";

    public const string SpecIdentityHex = "b202f5983ab6ad7e78b5237d005ff4887689be9a2341179b05d382cf80f1dade";
    public const string SpecEncryptionHex = "3299f6b78e8a0bce4daa9fcca3f93204da56a5d5132ee4d484cec3c9927cb965";
    public const string SpecGatewayHex = "396e13d61e2bc32b6353a31da0c34dcc1545f93bab112ce63d9a2c1d0327a724";
    public const string SpecAddressHex = SpecIdentityHex + SpecEncryptionHex + SpecGatewayHex;

    // mock_recipient() in common/nymsphinx/addressing/src/clients.rs.
    public static byte[] MockRecipient =>
    [
        67, 5, 132, 146, 3, 236, 116, 89, 254, 57, 131, 159, 69, 181, 55, 208, 12, 108, 136,
        83, 58, 76, 171, 195, 31, 98, 92, 64, 68, 53, 156, 184, 100, 189, 73, 3, 238, 103, 156,
        108, 124, 199, 42, 79, 172, 98, 81, 177, 182, 100, 167, 164, 74, 183, 199, 213, 162,
        173, 102, 112, 30, 159, 148, 66, 44, 75, 230, 182, 138, 114, 170, 163, 209, 82, 204,
        100, 118, 91, 57, 150, 212, 147, 151, 135, 148, 16, 213, 223, 182, 164, 242, 37, 40,
        73, 137, 228,
    ];

    public const string MockRecipientHex =
        "4305849203ec7459fe39839f45b537d00c6c88533a4cabc31f625c4044359cb8" +
        "64bd4903ee679c6c7cc72a4fac6251b1b664a7a44ab7c7d5a2ad66701e9f9442" +
        "2c4be6b68a72aaa3d152cc64765b3996d49397879410d5dfb6a4f225284989e4";

    public const string MockRecipientText =
        "5WdCMZXZBkGsXwPqzxwJqf9sSzyRLt3xmhuGDBaXiQh5.7nFB8HqKM9jxExRkfhUoLb6oo2LSCDDesP5uuXH5iWY1@3yv4qTKVxC5Vqgtshzkcm8nT1q9zeETnj3RMDiaREeB5";

    // nym's own tests use [8u8; 16] and [42u8; 16] as sender tags.
    public static SenderTag Tag8 => SenderTag.FromBytes(Filled(16, 8));
    public const string Tag8Text = "zXExeyvPEHUk9rjXTu78T";
    public static SenderTag Tag42 => SenderTag.FromBytes(Filled(16, 42));

    public const string MultiByteText = "héllo 🌍 世界";
    public const string MultiByteHex = "68c3a96c6c6f20f09f8c8d20e4b896e7958c";

    public static NymAddress Spec => NymAddress.Parse(SpecAddress);
    public static NymAddress Mock => NymAddress.FromBytes(MockRecipient);

    // The Ed25519 point with y = 2 does not exist (see Ed25519PointTests for why).
    public static byte[] OffCurveKey => Hex("0200000000000000000000000000000000000000000000000000000000000000");

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A random 32-byte value that is (or is not) a valid Ed25519 point encoding.</summary>
    public static byte[] RandomKey(Random rng, bool onCurve)
    {
        while (true)
        {
            var key = RandomBytes(rng, 32);
            if (Ed25519Point.IsValid(key) == onCurve)
            {
                return key;
            }
        }
    }

    public static NymAddress RandomAddress(Random rng) =>
        NymAddress.FromBytes(Concat(RandomKey(rng, true), RandomBytes(rng, 32), RandomKey(rng, true)));

    /// <summary>Base58 (bitcoin alphabet) written independently of the library, to check it against.</summary>
    public static string Base58(ReadOnlySpan<byte> bytes)
    {
        const string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        var zeros = 0;
        while (zeros < bytes.Length && bytes[zeros] == 0)
        {
            zeros++;
        }

        var n = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var digits = new StringBuilder();
        while (n > 0)
        {
            n = BigInteger.DivRem(n, 58, out var r);
            digits.Insert(0, alphabet[(int)r]);
        }

        return new string('1', zeros) + digits;
    }
}
