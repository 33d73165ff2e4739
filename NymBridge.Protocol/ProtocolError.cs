namespace NymBridge.Protocol;

/// <summary>Why a frame could not be decoded, in nym's own terms.</summary>
public readonly record struct ProtocolError(ErrorKind Kind, string Message)
{
    public override string ToString() => $"{Kind.Describe()}:{Message}";
}

/// <summary>The one exception the codecs throw for bad frames; <see cref="Kind"/> names the error.</summary>
public sealed class NymProtocolException(ProtocolError error) : Exception(error.ToString())
{
    public ProtocolError Error { get; } = error;
    public ErrorKind Kind => Error.Kind;
}
