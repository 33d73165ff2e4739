using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

/// <summary>The fast key decoder must agree with a general Base58 decoder on every text, valid or not.</summary>
public class Base58KeyTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(16)]
    public void Random_keys_with_any_number_of_leading_zero_bytes_decode_to_their_bytes(int length)
    {
        var random = new Random(length);
        for (var i = 0; i < 2000; i++)
        {
            var key = new byte[length];
            random.NextBytes(key);
            key.AsSpan(0, random.Next(0, 5) == 0 ? random.Next(0, length + 1) : 0).Clear();
            if (i == 0)
            {
                key.AsSpan().Fill(0xFF);
            }

            var decoded = new byte[length];
            Assert.Null(Base58Key.TryDecodeExact(Base58Key.Encode(key), decoded));
            Assert.Equal(key, decoded);
        }
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(1)]
    [InlineData(40)]
    public void Texts_of_other_sizes_are_refused_with_the_size_they_decode_to(int length)
    {
        var random = new Random(length);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            bytes.AsSpan(0, Math.Min(length, random.Next(0, 3))).Clear();
            Assert.Equal($"decodes to {length} bytes; expected 32", Base58Key.TryDecodeExact(Base58Key.Encode(bytes), new byte[32]));
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("11111111111111111111111111111111")]
    [InlineData("111111111111111111111111111111111")]
    [InlineData("JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG")]
    [InlineData("JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFH")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("2zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    public void Edge_texts_decode_exactly_as_the_general_decoder(string text)
    {
        var buffer = new byte[64];
        var expectedOk = SimpleBase.Base58.Bitcoin.TryDecode(text, buffer, out var written) && written == 32;

        var decoded = new byte[32];
        var error = Base58Key.TryDecodeExact(text, decoded);

        Assert.Equal(expectedOk, error is null);
        if (expectedOk)
        {
            Assert.Equal(buffer[..32], decoded);
        }
        else
        {
            Assert.Equal($"decodes to {written} bytes; expected 32", error);
        }
    }
}
