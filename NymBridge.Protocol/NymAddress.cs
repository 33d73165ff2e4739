using System.Diagnostics.CodeAnalysis;

namespace NymBridge.Protocol;

/// <summary>
/// A Nym client address (nym's <c>Recipient</c>): <c>&lt;identity&gt;.&lt;encryption&gt;@&lt;gateway&gt;</c>,
/// each part 32 bytes in Base58. On the wire it is the 96 bytes identity ‖ encryption ‖ gateway.
/// </summary>
/// <remarks>
/// Validation is nym's: identity and gateway must decompress as Ed25519 points, the encryption
/// key (X25519) may be any 32 bytes. An address that passes here is one nym-client accepts.
/// </remarks>
public sealed class NymAddress : IEquatable<NymAddress>
{
    public const int Length = 96;
    private const int KeyLength = 32;

    private const string CurrentForm = "<identity>.<encryption>@<gateway>, each part 32 bytes in Base58";

    private readonly byte[] _bytes;
    private string? _text;

    private NymAddress(byte[] bytes) => _bytes = bytes;

    /// <summary>The 96 wire bytes: identity, encryption key, gateway.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    public ReadOnlySpan<byte> Identity => _bytes.AsSpan(0, KeyLength);
    public ReadOnlySpan<byte> EncryptionKey => _bytes.AsSpan(KeyLength, KeyLength);
    public ReadOnlySpan<byte> Gateway => _bytes.AsSpan(2 * KeyLength, KeyLength);

    public static NymAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        [NotNullWhen(true)] out NymAddress? address,
        [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"The address is empty; expected {CurrentForm}.";
            return false;
        }

        var at = text.IndexOf('@');
        if (at < 0 || at != text.LastIndexOf('@'))
        {
            error = $"The address must contain exactly one '@'; expected {CurrentForm}.";
            return false;
        }

        var client = text.AsSpan(0, at);
        var gateway = text.AsSpan(at + 1);
        var dot = client.IndexOf('.');
        if (dot < 0)
        {
            error = "The address has no encryption key: old-style '<identity>@<gateway>' addresses are not " +
                    $"accepted by current nym-client; expected {CurrentForm}.";
            return false;
        }

        if (dot != client.LastIndexOf('.'))
        {
            error = $"The part before '@' must contain exactly one '.'; expected {CurrentForm}.";
            return false;
        }

        var bytes = new byte[Length];
        if (Base58Key.TryDecodeExact(client[..dot], bytes.AsSpan(0, KeyLength)) is { } identityError)
        {
            error = $"The identity key {identityError}.";
            return false;
        }

        if (Base58Key.TryDecodeExact(client[(dot + 1)..], bytes.AsSpan(KeyLength, KeyLength)) is { } encryptionError)
        {
            error = $"The encryption key {encryptionError}.";
            return false;
        }

        if (Base58Key.TryDecodeExact(gateway, bytes.AsSpan(2 * KeyLength, KeyLength)) is { } gatewayError)
        {
            error = $"The gateway key {gatewayError}.";
            return false;
        }

        return TryCreate(bytes, out address, out error);
    }

    /// <summary>Reads the 96-byte wire form.</summary>
    public static bool TryFromBytes(
        ReadOnlySpan<byte> bytes,
        [NotNullWhen(true)] out NymAddress? address,
        [NotNullWhen(false)] out string? error)
    {
        if (bytes.Length != Length)
        {
            address = null;
            error = $"An address is {Length} bytes; got {bytes.Length}.";
            return false;
        }

        return TryCreate(bytes.ToArray(), out address, out error);
    }

    public static NymAddress FromBytes(ReadOnlySpan<byte> bytes) =>
        TryFromBytes(bytes, out var address, out var error) ? address : throw new FormatException(error);

    private static bool TryCreate(
        byte[] bytes,
        [NotNullWhen(true)] out NymAddress? address,
        [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (!Ed25519Point.IsValid(bytes.AsSpan(0, KeyLength)))
        {
            error = "The identity key is not a valid Ed25519 public key (it does not decompress to a curve point).";
            return false;
        }

        if (!Ed25519Point.IsValid(bytes.AsSpan(2 * KeyLength, KeyLength)))
        {
            error = "The gateway key is not a valid Ed25519 public key (it does not decompress to a curve point).";
            return false;
        }

        address = new NymAddress(bytes);
        error = null;
        return true;
    }

    public void WriteTo(Span<byte> destination) => _bytes.CopyTo(destination);

    public override string ToString() =>
        _text ??= $"{Base58Key.Encode(Identity)}.{Base58Key.Encode(EncryptionKey)}@{Base58Key.Encode(Gateway)}";

    public bool Equals(NymAddress? other) =>
        other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as NymAddress);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(NymAddress? left, NymAddress? right) => left is null ? right is null : left.Equals(right);
    public static bool operator !=(NymAddress? left, NymAddress? right) => !(left == right);
}
