using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NymBridge.Api.Cluster;
using NymBridge.Api.Nym;
using NymBridge.Emulator;
using NymBridge.Tests.Emulator;

namespace NymBridge.Tests.Cluster;

/// <summary>Two bridges in test servers over one real redis-server and one emulator: the leader gate decides who holds nym-client's socket.</summary>
public sealed class LeaderGateBridgeTests : IAsyncLifetime
{
    // Renewed every quarter, given up at two thirds: 6 s leaves a loaded CI machine 4 s to renew.
    private const string Lease = "00:00:06";
    private RedisServer _redis = null!;
    private NymClientEmulator _emulator = null!;
    private readonly List<WebApplicationFactory<Program>> _bridges = [];

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync("--appendonly", "no");
        _emulator = await TestEmulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var bridge in Enumerable.Reverse(_bridges))
        {
            await bridge.DisposeAsync();
        }

        await _emulator.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_leader_connects_and_on_stop_it_closes_the_socket_before_it_releases_the_lease()
    {
        var a = Start("a");
        await Nym(a).WaitForSelfAddressAsync(default).DefaultTimeout();
        var b = Start("b");
        // b competes for a few renewals of a's lease meanwhile; it must not even try nym-client.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, _emulator.ConnectionsAccepted);
        Assert.False(Nym(b).GetStatus().Connected);

        await _emulator.InjectReceivedAsync(Encoding.UTF8.GetBytes("to a")).DefaultTimeout();
        await Eventually.WaitUntilAsync(() => Nym(a).GetStatus().FramesReceived >= 2, "a received the message");
        using var redis = await _redis.ConnectFailingFastAsync();
        await a.Services.GetRequiredService<IHost>().StopAsync().DefaultTimeout();
        // Released by the stop itself, not left to expire: the key is gone, or b has taken it already (b may hold it
        // before its socket is connected, which the check this replaces took for a's lease).
        var held = await redis.GetDatabase().StringGetAsync("{nymbridge}:leader");
        Assert.True(held.IsNull || LeaderInfo.TryParse(held)?.InstanceId == "b", "a still holds the lease after its stop");

        // Released only after its socket was closed: b connects at once, and never met a slot a still held.
        await Nym(b).WaitForSelfAddressAsync(default).DefaultTimeout();
        Assert.Equal(2, _emulator.ConnectionsAccepted);
        Assert.Equal(0, _emulator.ConnectionsRefused);
    }

    [Fact]
    public async Task Ready_on_every_instance_follows_the_leaders_nym_client_state_in_redis()
    {
        // An ineligible instance alone: nobody leads, so nobody holds nym-client.
        var b = Start("b", eligible: false);
        var none = await ReadyAsync(b);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, none.Status);
        Assert.Contains("No instance leads", none.Detail, StringComparison.Ordinal);

        // A leader connects and publishes its state: every instance is ready.
        var a = Start("a");
        await Nym(a).WaitForSelfAddressAsync(default).DefaultTimeout();
        await Eventually.WaitUntilAsync(async () => (await ReadyAsync(b)).Status == HttpStatusCode.OK, "the follower saw the leader connected");
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync(a)).Status);

        // The follower's own socket (it has none) does not matter; Redis going away does.
        Assert.False(Nym(b).GetStatus().Connected);
        _redis.Pause();
        try
        {
            var silent = await ReadyAsync(b);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, silent.Status);
            Assert.DoesNotContain(_emulator.Address.ToString(), silent.Detail, StringComparison.Ordinal);
        }
        finally
        {
            _redis.Resume();
        }
    }

    private WebApplicationFactory<Program> Start(string id, bool eligible = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Nym:ClientUrl"] = _emulator.Url.ToString(),
            ["Nym:ReconnectMinDelay"] = "00:00:00.050",
            ["Nym:ReconnectMaxDelay"] = "00:00:00.500",
            ["Bridge:DataDirectory"] = Path.Combine(Path.GetTempPath(), "nymbridge-tests-data"),
            ["Cluster:Redis"] = _redis.Configuration,
            ["Cluster:InstanceId"] = id,
            ["Cluster:LeaderEligible"] = eligible ? "true" : "false",
            ["Cluster:AdvertisedUrl"] = $"http://127.0.0.1:9/{id}",
            ["Cluster:InternalKey"] = new string('k', 32),
            ["Cluster:LeaseTime"] = Lease,
        };
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        });
        _bridges.Add(factory);
        _ = factory.Server; // starts the host
        return factory;
    }

    // The instance's own socket: in cluster mode INymConnection answers for the leader's connection on followers.
    private static NymConnection Nym(WebApplicationFactory<Program> bridge) => bridge.Services.GetRequiredService<NymConnection>();

    private static async Task<(HttpStatusCode Status, string Detail)> ReadyAsync(WebApplicationFactory<Program> bridge)
    {
        using var client = bridge.CreateClient();
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).DefaultTimeout();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return (response.StatusCode, "");
        }

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, problem.GetProperty("detail").GetString() ?? "");
    }
}
