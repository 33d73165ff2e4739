using System.Numerics;

namespace NymBridge.Protocol;

/// <summary>
/// Checks that 32 bytes are a compressed Edwards25519 point, the test nym applies to identity and
/// gateway keys (ed25519-dalek's <c>VerifyingKey::from_bytes</c>, i.e. curve25519-dalek's
/// <c>CompressedEdwardsY::decompress</c>).
/// </summary>
/// <remarks>
/// The encoding is y (255 bits, little-endian) plus the sign of x in the top bit. A point exists
/// when x² = (y² − 1) / (d·y² + 1) has a square root mod p. dalek reduces a non-canonical y mod p
/// and accepts "negative zero", so we do the same: the question is only whether the root exists.
/// </remarks>
public static class Ed25519Point
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;

    // d = −121665 / 121666 mod p
    private static readonly BigInteger D =
        Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    private static readonly BigInteger LegendreExponent = (P - 1) / 2;

    public const int Length = 32;

    public static bool IsValid(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != Length)
        {
            return false;
        }

        Span<byte> yBytes = stackalloc byte[Length];
        compressed.CopyTo(yBytes);
        yBytes[31] &= 0x7F;
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false) % P;

        var ySquared = y * y % P;
        var u = Mod(ySquared - 1);
        var v = Mod(D * ySquared + 1);
        if (u.IsZero)
        {
            return true;
        }

        // v is never zero: it would need y² = −1/d, and −1/d is not a square mod p.
        var ratio = u * BigInteger.ModPow(v, P - 2, P) % P;
        return BigInteger.ModPow(ratio, LegendreExponent, P).IsOne;
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
