using Microsoft.AspNetCore.Http;
using NymBridge.Api.Http;

namespace NymBridge.Tests.Hardening;

public sealed class RetryAfterTests
{
    [Theory]
    [InlineData(0, "1")]
    [InlineData(200, "1")]
    [InlineData(1_000, "1")]
    [InlineData(1_001, "2")]
    [InlineData(5_000, "5")]
    public void Retry_after_is_whole_seconds_rounded_up_and_at_least_one(int milliseconds, string expected)
    {
        var http = new DefaultHttpContext();

        var seconds = Problems.RetryAfter(http.Response, TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, http.Response.Headers.RetryAfter.ToString());
        Assert.Equal(expected, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
