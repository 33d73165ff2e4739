using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class SenderTagTests
{
    [Fact]
    public void Nyms_test_tag_round_trips_through_Base58()
    {
        Assert.Equal(TestData.Tag8Text, TestData.Tag8.ToString());
        Assert.Equal(TestData.Tag8, SenderTag.Parse(TestData.Tag8Text));
    }

    [Fact]
    public void Bytes_keep_their_order()
    {
        var bytes = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var tag = SenderTag.FromBytes(bytes);

        Assert.Equal(bytes, tag.ToArray());
        var destination = new byte[16];
        tag.WriteTo(destination);
        Assert.Equal(bytes, destination);
        Assert.Equal(TestData.Base58(bytes), tag.ToString());
        Assert.Equal("12drXXUifSrRnXLGbXg8E", tag.ToString());
    }

    [Fact]
    public void Zero_tag_is_sixteen_ones()
    {
        var zero = SenderTag.FromBytes(new byte[16]);

        Assert.Equal(new string('1', 16), zero.ToString());
        Assert.Equal(zero, SenderTag.Parse(new string('1', 16)));
        Assert.Equal(default, zero);
    }

    [Fact]
    public void Random_tags_round_trip()
    {
        var rng = new Random(16);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = TestData.RandomBytes(rng, 16);
            if (rng.Next(4) == 0)
            {
                bytes.AsSpan(0, rng.Next(1, 16)).Clear(); // leading zero bytes are leading '1's
            }

            var text = SenderTag.FromBytes(bytes).ToString();

            Assert.Equal(TestData.Base58(bytes), text);
            Assert.True(SenderTag.TryParse(text, out var parsed, out var error), error);
            Assert.Equal(bytes, parsed.ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(32)]
    public void Only_sixteen_bytes_make_a_tag(int length)
    {
        var bytes = TestData.Filled(length, 0x22);

        var e = Assert.Throws<ArgumentException>(() => SenderTag.FromBytes(bytes));
        Assert.Contains($"16 bytes; got {length}", e.Message, StringComparison.Ordinal);

        if (length > 0)
        {
            Assert.False(SenderTag.TryParse(TestData.Base58(bytes), out var tag, out var error));
            Assert.Equal($"The sender tag decodes to {length} bytes; expected 16.", error);
            Assert.Equal(default, tag);
        }
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("zXExeyvPEHUk9rjXTu780", "contains '0'")]
    [InlineData("zXExeyvPEHUk9rjXTu78O", "contains 'O'")]
    [InlineData("zXExeyvPEHUk9rjXTu78I", "contains 'I'")]
    [InlineData("zXExeyvPEHUk9rjXTu78l", "contains 'l'")]
    [InlineData("zXExeyvPEHUk9rjX+u78T", "contains '+'")]
    [InlineData(" zXExeyvPEHUk9rjXTu78T", "contains ' '")]
    public void Malformed_text_is_rejected(string text, string reason)
    {
        Assert.False(SenderTag.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => SenderTag.Parse(text)).Message);
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(SenderTag.TryParse(null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_follows_the_bytes()
    {
        var a = SenderTag.FromBytes(TestData.Filled(16, 8));
        var b = SenderTag.Parse(TestData.Tag8Text);
        var c = TestData.Tag42;

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal(2, new HashSet<SenderTag> { a, b, c }.Count);

        var differsInLastByte = TestData.Filled(16, 8);
        differsInLastByte[15] = 9;
        Assert.NotEqual(a, SenderTag.FromBytes(differsInLastByte));
    }
}
