using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace NymBridge.Tests.Security;

public class CorsAndRateLimitTests
{
    [Fact]
    public async Task Only_configured_origins_get_cors_headers()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:Cors:Origins:0"] = "https://app.example" });

        var allowed = await PreflightAsync(host, "https://app.example");
        var other = await PreflightAsync(host, "https://evil.example");

        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Over_the_rate_limit_is_429_problem_json_with_Retry_After()
    {
        await using var host = await BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:RateLimit:PermitsPerSecond"] = "3" });

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            responses.Add(await host.Client.GetAsync("/status"));
        }

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.NotNull(limited[0].Headers.RetryAfter);
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        Assert.Contains("PermitsPerSecond", (await limited[0].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> PreflightAsync(BridgeHost host, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/send");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type");
        return host.Client.SendAsync(request);
    }
}
