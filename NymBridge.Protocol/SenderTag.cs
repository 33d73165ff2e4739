using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace NymBridge.Protocol;

/// <summary>
/// nym's <c>AnonymousSenderTag</c>: 16 opaque bytes naming a conversation whose sender attached
/// reply SURBs. Written as Base58. A value type so that equality and hashing come for free.
/// </summary>
public readonly record struct SenderTag
{
    public const int Length = 16;

    private readonly UInt128 _value;

    private SenderTag(UInt128 value) => _value = value;

    public static SenderTag FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length
            ? new SenderTag(BinaryPrimitives.ReadUInt128BigEndian(bytes))
            : throw new ArgumentException($"A sender tag is {Length} bytes; got {bytes.Length}.", nameof(bytes));

    public static SenderTag Parse(string text) =>
        TryParse(text, out var tag, out var error) ? tag : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? text, out SenderTag tag, [NotNullWhen(false)] out string? error)
    {
        tag = default;
        Span<byte> bytes = stackalloc byte[Length];
        if (Base58Key.TryDecodeExact(text, bytes) is { } reason)
        {
            error = $"The sender tag {reason}.";
            return false;
        }

        tag = FromBytes(bytes);
        error = null;
        return true;
    }

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, _value);

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return Base58Key.Encode(bytes);
    }
}
