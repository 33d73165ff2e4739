using NymBridge.Protocol;

namespace NymBridge.Tests.Protocol;

public class LaneIdTests
{
    [Theory]
    [InlineData("1", 1UL)]
    [InlineData("42", 42UL)]
    [InlineData("007", 7UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void A_lane_is_read_from_its_decimal_digits(string text, ulong expected)
    {
        Assert.True(LaneId.TryParse(text, out var lane, out var reason));

        Assert.Null(reason);
        Assert.Equal(expected, lane.Value);
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), lane.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("18446744073709551616")]
    [InlineData("١٢")] // Arabic-Indic digits: only ASCII digits are a lane
    public void Anything_but_1_to_2_pow_64_minus_1_is_refused_with_a_reason_that_quotes_it(string text)
    {
        Assert.False(LaneId.TryParse(text, out var lane, out var reason));

        Assert.Equal(default, lane);
        Assert.Equal($"'{text}' is not a connection id: use an integer from 1 to 18446744073709551615 (0 means no connection on the wire).", reason);
    }

    [Fact]
    public void A_missing_lane_is_refused_and_a_long_one_is_quoted_shortened()
    {
        Assert.False(LaneId.TryParse(null, out _, out var missing));
        Assert.False(LaneId.TryParse(new string('9', 100), out _, out var long_));

        Assert.StartsWith("'' is not a connection id", missing, StringComparison.Ordinal);
        Assert.StartsWith($"'{new string('9', 40)}…' is not a connection id", long_, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_is_no_lane_and_every_other_value_is_one()
    {
        Assert.False(LaneId.TryFromValue(0, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaneId.FromValue(0));

        Assert.True(LaneId.TryFromValue(ulong.MaxValue, out var max));
        Assert.Equal(ulong.MaxValue, max.Value);
        Assert.Equal(LaneId.FromValue(9), LaneId.FromValue(9));
        Assert.NotEqual(LaneId.FromValue(9), LaneId.FromValue(10));
    }
}
