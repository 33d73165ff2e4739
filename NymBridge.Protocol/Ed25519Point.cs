using System.Buffers.Binary;
using System.Collections.Concurrent;
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

    // The check costs a modular exponentiation (its cost: bench/NOTES.md); senders talk to the same few
    // recipients and gateways again and again, so remembered answers make repeated validation nearly free.
    private const int CacheCapacity = 16_384;
    private static readonly ConcurrentDictionary<(ulong, ulong, ulong, ulong), bool> Cache = new();

    public static bool IsValid(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != Length)
        {
            return false;
        }

        var key = (
            BinaryPrimitives.ReadUInt64LittleEndian(compressed),
            BinaryPrimitives.ReadUInt64LittleEndian(compressed[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(compressed[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(compressed[24..]));
        if (Cache.TryGetValue(key, out var known))
        {
            return known;
        }

        var valid = Decompresses(compressed);
        if (Cache.Count >= CacheCapacity)
        {
            Cache.Clear();
        }

        Cache[key] = valid;
        return valid;
    }

    private static bool Decompresses(ReadOnlySpan<byte> compressed)
    {

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

        // v is never zero: it would need y² = −1/d, and −1/d is not a square mod p. And u/v is a
        // square exactly when u·v is (they differ by the square v²), which spares an inversion.
        return BigInteger.ModPow(u * v % P, LegendreExponent, P).IsOne;
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
