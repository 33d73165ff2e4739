using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace NymBridge.Tests.Security;

public class AuthTests
{
    private const string Key = "test-key-5b9c0e1f2a3d4c5b6a79";

    private static Task<BridgeHost> StartWithKeyAsync() =>
        BridgeHost.StartAsync(new Dictionary<string, string?> { ["Bridge:ApiKey"] = Key });

    [Theory]
    [InlineData("GET", "/self-address")]
    [InlineData("GET", "/status")]
    [InlineData("GET", "/messages?wait=0")]
    [InlineData("GET", "/messages/stream")]
    [InlineData("GET", "/connections/1/queue-length")]
    [InlineData("POST", "/send")]
    [InlineData("POST", "/connections/1/close")]
    public async Task Without_the_key_every_endpoint_but_health_is_401_problem_json(string method, string path)
    {
        await using var host = await StartWithKeyAsync();

        var missing = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        var wrong = new HttpRequestMessage(new HttpMethod(method), path);
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key + "x");
        var wrongResponse = await host.Client.SendAsync(wrong);

        foreach (var response in new[] { missing, wrongResponse })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.False(string.IsNullOrEmpty(detail));
            Assert.DoesNotContain(Key, detail, StringComparison.Ordinal);
        }

        Assert.Empty(host.SentFrames());
    }

    [Fact]
    public async Task The_right_key_works_as_bearer_header_and_query_token()
    {
        await using var host = await StartWithKeyAsync();

        var bearer = new HttpRequestMessage(HttpMethod.Get, "/self-address");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var header = new HttpRequestMessage(HttpMethod.Get, "/status");
        header.Headers.Add("X-Api-Key", Key);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(bearer)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(header)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync($"/messages?wait=0&access_token={Key}")).StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_stay_open()
    {
        await using var host = await StartWithKeyAsync();

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Sse_needs_the_key_and_takes_it_as_access_token()
    {
        await using var host = await StartWithKeyAsync();

        using var refused = await host.Client.GetAsync("/messages/stream", HttpCompletionOption.ResponseHeadersRead);
        using var accepted = await host.Client.GetAsync($"/messages/stream?access_token={Key}", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("text/event-stream", accepted.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SignalR_needs_the_key_and_takes_it_as_access_token()
    {
        await using var host = await StartWithKeyAsync();

        await using var without = Connect(host, token: null);
        await using var wrong = Connect(host, token: "nope");
        await using var right = Connect(host, token: Key);

        await Assert.ThrowsAnyAsync<Exception>(() => without.StartAsync().DefaultTimeout());
        await Assert.ThrowsAnyAsync<Exception>(() => wrong.StartAsync().DefaultTimeout());
        await right.StartAsync().DefaultTimeout();
        Assert.Equal(HubConnectionState.Connected, right.State);
    }

    private static HubConnection Connect(BridgeHost host, string? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(host.Client.BaseAddress!, "/hubs/messages"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.HttpMessageHandlerFactory = _ => host.Factory.Server.CreateHandler();
                // The test server's websocket client takes no ClientWebSocketOptions, so the token goes in the
                // query string, as browsers send it.
                o.WebSocketFactory = async (context, ct) => await host.Factory.Server.CreateWebSocketClient().ConnectAsync(
                    token is null ? context.Uri : new Uri($"{context.Uri}{(context.Uri.Query.Length > 0 ? "&" : "?")}access_token={token}"), ct);
            })
            .Build();
}
