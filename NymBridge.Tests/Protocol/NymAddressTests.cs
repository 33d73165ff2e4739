using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class NymAddressTests
{
    private const string CurrentForm = "<identity>.<encryption>@<gateway>";

    private static readonly string Identity = TestData.SpecAddress.Split('.')[0];
    private static readonly string Encryption = TestData.SpecAddress.Split('.', '@')[1];
    private static readonly string Gateway = TestData.SpecAddress.Split('@')[1];

    [Fact]
    public void Spec_address_parses_and_formats_back_identically()
    {
        Assert.True(NymAddress.TryParse(TestData.SpecAddress, out var address, out var error), error);

        Assert.Equal(TestData.SpecAddress, address.ToString());
        Assert.Equal(TestData.SpecAddressHex, Convert.ToHexStringLower(address.Bytes));
        Assert.Equal(TestData.SpecIdentityHex, Convert.ToHexStringLower(address.Identity));
        Assert.Equal(TestData.SpecEncryptionHex, Convert.ToHexStringLower(address.EncryptionKey));
        Assert.Equal(TestData.SpecGatewayHex, Convert.ToHexStringLower(address.Gateway));
    }

    [Fact]
    public void Mock_recipient_is_accepted_and_its_string_round_trips()
    {
        Assert.True(NymAddress.TryFromBytes(TestData.MockRecipient, out var address, out var error), error);

        var text = address.ToString();
        Assert.Equal(TestData.MockRecipientText, text);
        Assert.Equal(TestData.MockRecipient, NymAddress.Parse(text).Bytes.ToArray());
    }

    [Fact]
    public void Write_to_copies_the_wire_bytes()
    {
        var destination = new byte[NymAddress.Length];
        TestData.Mock.WriteTo(destination);
        Assert.Equal(TestData.MockRecipient, destination);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(95)]
    [InlineData(97)]
    public void Wrong_wire_length_is_rejected(int length)
    {
        Assert.False(NymAddress.TryFromBytes(new byte[length], out var address, out var error));
        Assert.Null(address);
        Assert.Contains($"96 bytes; got {length}", error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NymAddress.FromBytes(new byte[length]));
    }

    public static TheoryData<string, string> MalformedTexts => new()
    {
        { "", "empty" },
        { "   ", "empty" },
        { Identity + "@" + Gateway, CurrentForm },
        { Identity + "." + Encryption + "@" + Gateway + "@" + Gateway, "exactly one '@'" },
        { Identity + "." + Encryption + "." + Encryption + "@" + Gateway, "exactly one '.'" },
        { Identity + "." + Encryption, "exactly one '@'" },
        { "." + Encryption + "@" + Gateway, "The identity key is empty" },
        { Identity + ".@" + Gateway, "The encryption key is empty" },
        { Identity + "." + Encryption + "@", "The gateway key is empty" },
        { "0" + Identity[1..] + "." + Encryption + "@" + Gateway, "The identity key contains '0', which is not a Base58 character" },
        { Identity + ".O" + Encryption[1..] + "@" + Gateway, "The encryption key contains 'O', which is not a Base58 character" },
        { Identity + "." + Encryption + "@I" + Gateway[1..], "The gateway key contains 'I', which is not a Base58 character" },
        { Identity[..^1] + "l." + Encryption + "@" + Gateway, "The identity key contains 'l', which is not a Base58 character" },
        { Identity + "." + Encryption + "@" + Gateway + " ", "The gateway key contains ' '" },
        { Identity + "." + Encryption + "@" + new string('z', 65), "The gateway key is 65 characters long" },
    };

    [Theory]
    [MemberData(nameof(MalformedTexts))]
    public void Malformed_text_is_rejected_with_a_reason(string text, string reason)
    {
        Assert.False(NymAddress.TryParse(text, out var address, out var error));
        Assert.Null(address);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(error, Assert.Throws<FormatException>(() => NymAddress.Parse(text)).Message);
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(NymAddress.TryParse(null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Old_style_address_is_explained_with_the_current_form()
    {
        const string oldStyle = "71od3ZAupdCdxeFNg8sdonqfZTnZZy1E86WYKEjxD4kj@FWYoUrnKuXryysptnCZgUYRTauHq4FnEFu2QGn5LZWbm";

        Assert.False(NymAddress.TryParse(oldStyle, out _, out var error));
        Assert.Contains("old-style", error, StringComparison.Ordinal);
        Assert.Contains(CurrentForm, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 31)]
    [InlineData(0, 33)]
    [InlineData(1, 31)]
    [InlineData(1, 33)]
    [InlineData(2, 31)]
    [InlineData(2, 33)]
    public void Key_of_wrong_length_is_rejected(int part, int length)
    {
        string[] names = ["identity", "encryption", "gateway"];
        string[] parts = [Identity, Encryption, Gateway];
        // 0x11 first, so the Base58 text has no leading '1's and really decodes to `length` bytes.
        parts[part] = TestData.Base58(TestData.Filled(length, 0x11));

        Assert.False(NymAddress.TryParse($"{parts[0]}.{parts[1]}@{parts[2]}", out _, out var error));
        Assert.Equal($"The {names[part]} key decodes to {length} bytes; expected 32.", error);
    }

    [Fact]
    public void Identity_off_the_curve_is_rejected()
    {
        var text = $"{TestData.Base58(TestData.OffCurveKey)}.{Encryption}@{Gateway}";

        Assert.False(NymAddress.TryParse(text, out _, out var error));
        Assert.Contains("identity key is not a valid Ed25519 public key", error, StringComparison.Ordinal);

        var bytes = TestData.Concat(TestData.OffCurveKey, TestData.Hex(TestData.SpecEncryptionHex), TestData.Hex(TestData.SpecGatewayHex));
        Assert.False(NymAddress.TryFromBytes(bytes, out _, out error));
        Assert.Contains("identity key is not a valid Ed25519 public key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_off_the_curve_is_rejected()
    {
        var text = $"{Identity}.{Encryption}@{TestData.Base58(TestData.OffCurveKey)}";

        Assert.False(NymAddress.TryParse(text, out _, out var error));
        Assert.Contains("gateway key is not a valid Ed25519 public key", error, StringComparison.Ordinal);

        var bytes = TestData.Concat(TestData.Hex(TestData.SpecIdentityHex), TestData.Hex(TestData.SpecEncryptionHex), TestData.OffCurveKey);
        Assert.False(NymAddress.TryFromBytes(bytes, out _, out error));
        Assert.Contains("gateway key is not a valid Ed25519 public key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Off_curve_keys_found_from_a_seed_are_rejected_in_both_positions()
    {
        var rng = new Random(42);
        for (var i = 0; i < 5; i++)
        {
            var offCurve = TestData.RandomKey(rng, onCurve: false);
            var onCurve = TestData.RandomKey(rng, onCurve: true);
            var encryption = TestData.RandomBytes(rng, 32);

            Assert.False(NymAddress.TryFromBytes(TestData.Concat(offCurve, encryption, onCurve), out _, out _));
            Assert.False(NymAddress.TryFromBytes(TestData.Concat(onCurve, encryption, offCurve), out _, out _));
            Assert.True(NymAddress.TryFromBytes(TestData.Concat(onCurve, encryption, onCurve), out _, out var error), error);
        }
    }

    [Theory]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000")] // not a curve point
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]
    public void Encryption_key_may_be_any_32_bytes(string hex)
    {
        var key = TestData.Hex(hex);
        var text = $"{Identity}.{TestData.Base58(key)}@{Gateway}";

        Assert.True(NymAddress.TryParse(text, out var address, out var error), error);
        Assert.Equal(key, address.EncryptionKey.ToArray());
        Assert.Equal(text, address.ToString());
    }

    [Fact]
    public void All_zero_keys_keep_their_leading_ones()
    {
        // y = 0 is a curve point, so this is a valid address; Base58 writes each leading zero byte as '1'.
        var ones = new string('1', 32);
        var address = NymAddress.FromBytes(new byte[96]);

        Assert.Equal($"{ones}.{ones}@{ones}", address.ToString());
        Assert.Equal(address, NymAddress.Parse(address.ToString()));
    }

    [Fact]
    public void Random_addresses_round_trip_through_text()
    {
        var rng = new Random(7);
        for (var i = 0; i < 60; i++)
        {
            var address = TestData.RandomAddress(rng);
            var expected = $"{TestData.Base58(address.Identity)}.{TestData.Base58(address.EncryptionKey)}@{TestData.Base58(address.Gateway)}";

            Assert.Equal(expected, address.ToString());
            Assert.Equal(address.Bytes.ToArray(), NymAddress.Parse(expected).Bytes.ToArray());
        }
    }

    [Fact]
    public void Equality_follows_the_bytes()
    {
        var a = NymAddress.Parse(TestData.SpecAddress);
        var b = NymAddress.FromBytes(TestData.Hex(TestData.SpecAddressHex));
        var other = TestData.Mock;

        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        Assert.False(a.Equals(other));
        Assert.False(a == other);
        Assert.True(a != other);
        Assert.False(a.Equals(null));
        Assert.False(a.Equals((object)TestData.SpecAddress));
        Assert.False(a == null);
        Assert.False(null == a);
        Assert.True((NymAddress?)null == null);

        Assert.Equal(2, new HashSet<NymAddress> { a, b, other }.Count);
    }
}
