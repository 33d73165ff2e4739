using System.Numerics;
using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class Ed25519PointTests
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));

    [Fact]
    public void Base_point_encoding_is_valid()
    {
        var basePoint = TestData.Hex("5866666666666666666666666666666666666666666666666666666666666666");

        // The base point is the one with y = 4/5 (RFC 8032 section 5.1).
        Assert.Equal(Mod(4 * Inverse(5)), Y(basePoint));
        Assert.True(Ed25519Point.IsValid(basePoint));
        Assert.True(Rfc8032RecoverX(basePoint, out _));
    }

    [Fact]
    public void Y_equal_two_is_not_a_point()
    {
        var y2 = TestData.OffCurveKey;

        // x² would have to be (y² − 1)/(d·y² + 1) = 3/(4d + 1). Euler's criterion says that value
        // is a non-square mod p, and RFC 8032's recovery (a different route) finds no root either.
        var ratio = Mod(3 * Inverse(Mod(4 * D + 1)));
        Assert.Equal(P - 1, BigInteger.ModPow(ratio, (P - 1) / 2, P));
        Assert.False(Rfc8032RecoverX(y2, out _));
        Assert.False(Ed25519Point.IsValid(y2));
    }

    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")] // y = 0: x² = −1, a square as p ≡ 1 (mod 4)
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // the neutral element (0, 1)
    [InlineData("0100000000000000000000000000000000000000000000000000000000000080")] // x = 0 with the sign bit: dalek does not reject it
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // y = p, non-canonical: dalek reduces it to y = 0
    public void Encodings_dalek_accepts_are_valid(string hex) =>
        Assert.True(Ed25519Point.IsValid(TestData.Hex(hex)));

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Wrong_length_is_not_valid(int length) =>
        Assert.False(Ed25519Point.IsValid(new byte[length]));

    [Fact]
    public void Agrees_with_Rfc8032_recovery_on_random_encodings()
    {
        var rng = new Random(25519);
        var invalid = 0;
        for (var i = 0; i < 300; i++)
        {
            var key = TestData.RandomBytes(rng, 32);
            var expected = Rfc8032RecoverX(key, out var x);
            Assert.Equal(expected, Ed25519Point.IsValid(key));
            if (expected)
            {
                // −x² + y² = 1 + d·x²·y²
                var y = Y(key);
                Assert.Equal(Mod(1 + D * x * x * y * y), Mod(y * y - x * x));
            }
            else
            {
                invalid++;
            }
        }

        // About half of all y have no x.
        Assert.InRange(invalid, 110, 190);
    }

    private static BigInteger Y(ReadOnlySpan<byte> encoding)
    {
        var bytes = encoding.ToArray();
        bytes[31] &= 0x7F;
        return Mod(new BigInteger(bytes, isUnsigned: true, isBigEndian: false));
    }

    /// <summary>RFC 8032 section 5.1.3 steps 2–3 (without its canonical-y and x = 0 sign checks, which dalek skips).</summary>
    private static bool Rfc8032RecoverX(ReadOnlySpan<byte> encoding, out BigInteger x)
    {
        var y = Y(encoding);
        var u = Mod(y * y - 1);
        var v = Mod(D * y * y + 1);
        x = Mod(u * BigInteger.ModPow(v, 3, P) * BigInteger.ModPow(Mod(u * BigInteger.ModPow(v, 7, P)), (P - 5) / 8, P));
        var vx2 = Mod(v * x * x);
        if (vx2 == u)
        {
            return true;
        }

        if (vx2 == Mod(-u))
        {
            x = Mod(x * BigInteger.ModPow(2, (P - 1) / 4, P));
            return true;
        }

        return false;
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(Mod(value), P - 2, P);

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
