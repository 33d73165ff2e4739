namespace NymBridge.Protocol;

/// <summary>Base58 (bitcoin alphabet) for fixed-size keys and tags, as nym's bs58 crate writes them.</summary>
internal static class Base58Key
{
    // The longest Base58 text of 32 bytes is 44 characters; anything much longer cannot be a key,
    // so we refuse it before decoding instead of decoding an attacker-sized string.
    private const int MaxEncodedLength = 64;

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

    private static bool IsAlphabet(char c) =>
        c is >= '1' and <= '9'
        || (c is >= 'A' and <= 'Z' && c is not 'I' and not 'O')
        || (c is >= 'a' and <= 'z' && c is not 'l');
}
