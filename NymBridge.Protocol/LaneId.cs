using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NymBridge.Protocol;

/// <summary>
/// A nym-client lane ("connection id"): 1 to 2^64-1, the per-connection send queue of socks-style clients.
/// 0 is no lane: on the wire it means "no connection", so a request without a lane writes 0 and this type never holds it.
/// </summary>
/// <remarks><c>default(LaneId)</c> is not a lane; make one with <see cref="TryParse"/> or <see cref="TryFromValue"/>.</remarks>
public readonly record struct LaneId
{
    private LaneId(ulong value) => Value = value;

    /// <summary>The id as nym-client writes it, never 0.</summary>
    public ulong Value { get; }

    public static bool TryFromValue(ulong value, out LaneId lane)
    {
        lane = value == 0 ? default : new LaneId(value);
        return value != 0;
    }

    public static LaneId FromValue(ulong value) =>
        TryFromValue(value, out var lane) ? lane : throw new ArgumentOutOfRangeException(nameof(value), value, "A lane is 1 to 2^64-1; 0 means no connection.");

    /// <summary>Reads a lane written as decimal digits, as in a path or query string; <paramref name="reason"/> says what to fix.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out LaneId lane, [NotNullWhen(false)] out string? reason)
    {
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && TryFromValue(value, out lane))
        {
            reason = null;
            return true;
        }

        lane = default;
        reason = $"'{Shorten(text)}' is not a connection id: use an integer from 1 to {ulong.MaxValue} (0 means no connection on the wire).";
        return false;
    }

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    // A reason quotes what it was given; a long one is cut so an error never echoes a whole query string back.
    private static string Shorten(string? text, int max = 40) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";
}
