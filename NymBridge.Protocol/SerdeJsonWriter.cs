using System.Globalization;
using System.Text;

namespace NymBridge.Protocol;

/// <summary>
/// Writes one flat JSON object as serde_json's compact formatter does, so our text frames are
/// character for character nym-client's: no whitespace, fields in the order written, and strings
/// escaped only where JSON demands it — <c>"</c>, <c>\</c> and U+0000–U+001F (as <c>\b \f \n \r \t</c>
/// or lower-case <c>\u00xx</c>). Non-ASCII text, <c>/</c>, DEL and HTML-sensitive characters stay
/// as they are, where System.Text.Json's writer would escape them.
/// </summary>
internal sealed class SerdeJsonWriter
{
    private const string HexDigits = "0123456789abcdef";

    private readonly StringBuilder _text = new("{");

    /// <summary>A string field; null is written as <c>null</c>, as serde writes <c>Option::None</c>.</summary>
    public SerdeJsonWriter String(string name, string? value)
    {
        Name(name);
        if (value is null)
        {
            _text.Append("null");
        }
        else
        {
            AppendString(value);
        }

        return this;
    }

    /// <summary>An integer field; null is written as <c>null</c>, as serde writes <c>Option::None</c>.</summary>
    public SerdeJsonWriter Number(string name, ulong? value)
    {
        Name(name);
        _text.Append(value is { } n ? n.ToString(CultureInfo.InvariantCulture) : "null");
        return this;
    }

    public string Complete() => _text.Append('}').ToString();

    private void Name(string name)
    {
        if (_text.Length > 1)
        {
            _text.Append(',');
        }

        AppendString(name);
        _text.Append(':');
    }

    private void AppendString(string value)
    {
        _text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    _text.Append("\\\"");
                    break;
                case '\\':
                    _text.Append("\\\\");
                    break;
                case '\b':
                    _text.Append("\\b");
                    break;
                case '\f':
                    _text.Append("\\f");
                    break;
                case '\n':
                    _text.Append("\\n");
                    break;
                case '\r':
                    _text.Append("\\r");
                    break;
                case '\t':
                    _text.Append("\\t");
                    break;
                case < ' ':
                    _text.Append("\\u00").Append(HexDigits[c >> 4]).Append(HexDigits[c & 0xF]);
                    break;
                case >= '\uD800' and <= '\uDBFF' when i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]):
                    _text.Append(c).Append(value[++i]);
                    break;
                case >= '\uD800' and <= '\uDFFF':
                    // A Rust string cannot hold a lone surrogate; UTF-8 on the wire would make it U+FFFD anyway.
                    _text.Append('\uFFFD');
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }

        _text.Append('"');
    }
}
