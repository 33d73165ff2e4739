using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using NymBridge.Api.Nym;

namespace NymBridge.Tests.Hosting;

/// <summary>A value the bridge cannot use is a start-up error, listed with every other one, never quietly replaced.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task Every_bad_value_is_named_in_the_one_start_up_error()
    {
        var error = await StartFailureAsync(new()
        {
            ["Nym:ReconnectMinDelay"] = "00:00:05",
            ["Nym:ReconnectMaxDelay"] = "00:00:01",
            ["Nym:ClientUrl"] = "http://127.0.0.1:1977",
            ["Nym:OutboundQueueCapacity"] = "0",
            ["Bridge:RateLimit:PermitsPerSecond"] = "-1",
            ["Bridge:Cors:Origins:0"] = "https://app.example/",
            ["Bridge:Cors:Origins:1"] = "*",
            ["Bridge:MaxMessageBytes"] = "0",
        });

        Assert.Contains("Nym:ReconnectMinDelay (00:00:05) is longer than Nym:ReconnectMaxDelay (00:00:01)", error, StringComparison.Ordinal);
        Assert.Contains("Nym:ClientUrl must be an absolute ws:// or wss:// URL", error, StringComparison.Ordinal);
        Assert.Contains("OutboundQueueCapacity", error, StringComparison.Ordinal);
        Assert.Contains("Bridge:RateLimit:PermitsPerSecond must be 0 (no limit) to 1000000, not -1", error, StringComparison.Ordinal);
        Assert.Contains("Bridge:Cors:Origins:0 must be scheme://host[:port] with nothing after it, as browsers send it (e.g. https://app.example)", error, StringComparison.Ordinal);
        Assert.Contains("Bridge:Cors:Origins:1 is '*'", error, StringComparison.Ordinal);
        Assert.Contains("MaxMessageBytes", error, StringComparison.Ordinal);
    }

    // The host resolves its hosted services (InboxWriter -> InboxFeed -> IInboxStore) and MapHub the hub's before it
    // validates options; the store factory validates every section first, so the Inbox error is one among all.
    [Theory]
    [InlineData("Memory")]
    [InlineData("Sqlite")]
    public async Task A_bad_Inbox_value_is_listed_with_a_bad_Nym_value_whichever_the_store(string store)
    {
        using var data = new TempDirectory();
        var error = await StartFailureAsync(new()
        {
            ["Inbox:Store"] = store,
            ["Inbox:Capacity"] = "0",
            ["Bridge:DataDirectory"] = data.Path,
            ["Nym:OutboundQueueCapacity"] = "0",
        });

        Assert.Contains("'InboxOptions' members: 'Capacity'", error, StringComparison.Ordinal);
        Assert.Contains("'NymOptions' members: 'OutboundQueueCapacity'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bridge:Cors:Origins:0", "app.example")]
    [InlineData("Bridge:Cors:Origins:0", "ftp://app.example")]
    [InlineData("Bridge:Cors:Origins:0", "https://app.example/path")]
    [InlineData("Nym:ClientUrl", "ws-127.0.0.1")]
    public async Task A_value_that_could_never_work_fails_the_start(string key, string value)
    {
        var error = await StartFailureAsync(new() { [key] = value });

        Assert.Contains(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_backoff_refuses_a_minimum_above_its_maximum_instead_of_swapping_them()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)));
    }

    /// <returns>The message of the exception that stopped the start.</returns>
    private static async Task<string> StartFailureAsync(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Inbox:Store", "Memory");
        settings.TryAdd("Bridge:DataDirectory", Path.Combine(Path.GetTempPath(), "nymbridge-tests-data"));
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => factory.CreateClient()).WaitAsync(TimeSpan.FromSeconds(30)));
        return error.Message;
    }
}
