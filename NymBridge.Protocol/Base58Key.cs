using System.Buffers.Binary;

namespace NymBridge.Protocol;

/// <summary>Base58 (bitcoin alphabet) for fixed-size keys and tags, as nym's bs58 crate writes them.</summary>
internal static class Base58Key
{
    // The longest Base58 text of 32 bytes is 44 characters; anything much longer cannot be a key,
    // so we refuse it before decoding instead of decoding an attacker-sized string.
    private const int MaxEncodedLength = 64;

    // 58^5 < 2^32: five digits at a time fit one multiply-add per 32-bit limb.
    private const int DigitsPerStep = 5;

    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <summary>Decodes <paramref name="text"/> into exactly <paramref name="destination"/>.Length bytes.</summary>
    /// <returns>null on success, else why the text is not such a key.</returns>
    public static string? TryDecodeExact(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.IsEmpty)
        {
            return "is empty";
        }

        if (text.Length > MaxEncodedLength)
        {
            return $"is {text.Length} characters long; a {destination.Length}-byte key is at most {MaxEncodedLength}";
        }

        foreach (var c in text)
        {
            if (!IsAlphabet(c))
            {
                return $"contains '{(char.IsControl(c) ? '?' : c)}', which is not a Base58 character (bitcoin alphabet: no 0, O, I or l)";
            }
        }

        // Every recipient of every send is three keys: decoding them is on the hot path, and a general
        // Base58 decoder costs microseconds per key. Keys that do not fit go the general way, which
        // also words the error.
        return TryDecodeFixed(text, destination) ? null : DecodeGeneral(text, destination);
    }

    /// <summary>
    /// Decodes the way bs58 does (each leading '1' is a zero byte, the rest is a big-endian number)
    /// when that gives exactly <paramref name="destination"/>.Length bytes; false otherwise.
    /// </summary>
    private static bool TryDecodeFixed(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var limbCount = (destination.Length + 3) / 4;
        if (limbCount is 0 or > 16)
        {
            return false;
        }

        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }

        // Little-endian 32-bit limbs, one spare so an overflow of the key size shows up as a non-zero high byte.
        Span<uint> limbs = stackalloc uint[limbCount + 1];
        limbs.Clear();
        for (var start = zeros; start < text.Length; start += DigitsPerStep)
        {
            var step = Math.Min(DigitsPerStep, text.Length - start);
            ulong multiplier = 1, carry = 0;
            for (var i = 0; i < step; i++)
            {
                multiplier *= 58;
                carry = carry * 58 + Digit(text[start + i]);
            }

            for (var i = 0; i < limbs.Length; i++)
            {
                var product = limbs[i] * multiplier + carry;
                limbs[i] = (uint)product;
                carry = product >> 32;
            }

            if (carry != 0)
            {
                return false;
            }
        }

        // Big-endian bytes of the number, then bs58's length rule: leading '1's plus the number's own bytes.
        Span<byte> number = stackalloc byte[limbs.Length * 4];
        for (var i = 0; i < limbs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(number[^((i + 1) * 4)..], limbs[i]);
        }

        var first = number.IndexOfAnyExcept((byte)0);
        var significant = first < 0 ? 0 : number.Length - first;
        if (zeros + significant != destination.Length)
        {
            return false;
        }

        number[^destination.Length..].CopyTo(destination);
        return true;
    }

    private static string? DecodeGeneral(ReadOnlySpan<char> text, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[MaxEncodedLength];
        if (!SimpleBase.Base58.Bitcoin.TryDecode(text, buffer, out var written))
        {
            return "is not valid Base58";
        }

        if (written != destination.Length)
        {
            return $"decodes to {written} bytes; expected {destination.Length}";
        }

        buffer[..written].CopyTo(destination);
        return null;
    }

    /// <summary>The value of a character that passed <see cref="IsAlphabet"/>.</summary>
    private static uint Digit(char c) => c switch
    {
        <= '9' => (uint)(c - '1'),
        <= 'H' => (uint)(c - 'A' + 9),
        <= 'N' => (uint)(c - 'J' + 17),
        <= 'Z' => (uint)(c - 'P' + 22),
        <= 'k' => (uint)(c - 'a' + 33),
        _ => (uint)(c - 'm' + 44),
    };

    private static bool IsAlphabet(char c) =>
        c is >= '1' and <= '9'
        || (c is >= 'A' and <= 'Z' && c is not 'I' and not 'O')
        || (c is >= 'a' and <= 'z' && c is not 'l');
}
