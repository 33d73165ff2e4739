using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Cluster;
using NymBridge.Api.Nym;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// One bridge instance in cluster mode, in a test server: its own services, one Redis (the shared <see cref="RedisServer"/>)
/// with the others of its cluster. Unlike <see cref="BridgeHost"/> it does not wait to be ready: a follower without a
/// leader never is.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    public const string InternalKey = "cluster-test-internal-key-0123456789abcdef";
    public const string ApiKey = "cluster-test-api-key";

    private readonly TempDirectory _data;

    private ClusterNode(WebApplicationFactory<Program> factory, TempDirectory data)
    {
        Factory = factory;
        _data = data;
        Client = factory.CreateClient();
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public WebApplicationFactory<Program> Factory { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => Factory.Services;
    public INymConnection Nym => Services.GetRequiredService<INymConnection>();

    /// <param name="nymClientUrl">The leader's emulator; a follower gets a port nobody listens on, so only the leader can hold a socket.</param>
    /// <param name="leader">Where this node's forwards go: that node's test server (null: real sockets to whatever Redis names).</param>
    /// <param name="extra">More settings, or settings to override.</param>
    public static ClusterNode Start(
        RedisServer redis, string cluster, string instanceId, bool eligible, Uri? nymClientUrl = null, ClusterNode? leader = null, IDictionary<string, string?>? extra = null)
    {
        var data = new TempDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["Nym:ClientUrl"] = (nymClientUrl ?? new Uri("ws://127.0.0.1:9/")).ToString(),
            ["Nym:ReconnectMinDelay"] = "00:00:00.050",
            ["Nym:ReconnectMaxDelay"] = "00:00:00.500",
            ["Bridge:DataDirectory"] = data.Path,
            ["Bridge:ApiKey"] = ApiKey,
            ["Cluster:Redis"] = "!" + redis.SocketPath,
            ["Cluster:Name"] = cluster,
            ["Cluster:InstanceId"] = instanceId,
            ["Cluster:LeaderEligible"] = eligible ? "true" : "false",
            ["Cluster:AdvertisedUrl"] = $"http://{instanceId}.test/",
            ["Cluster:InternalKey"] = InternalKey,
            ["Cluster:LeaseTime"] = "00:00:04",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            if (leader is not null)
            {
                builder.ConfigureTestServices(services => services.AddHttpClient(LeaderForwarder.ClientName)
                    .ConfigurePrimaryHttpMessageHandler(() => leader.Factory.Server.CreateHandler()));
            }
        });
        return new ClusterNode(factory, data);
    }

    /// <summary>A SignalR client of this node's <c>/hubs/messages</c> over the test server's websockets.</summary>
    public HubConnection CreateHubConnection() =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Client.BaseAddress!, "/hubs/messages"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(ApiKey);
                o.HttpMessageHandlerFactory = _ => Factory.Server.CreateHandler();
                o.WebSocketFactory = async (context, token) =>
                {
                    var client = Factory.Server.CreateWebSocketClient();
                    client.ConfigureRequest = r => r.Headers["X-Api-Key"] = ApiKey;
                    return await client.ConnectAsync(context.Uri, token);
                };
            })
            .Build();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        _data.Dispose();
    }
}
