using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Emulator;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// One bridge instance in cluster mode in a test server, on a Redis the test owns, as a follower (not eligible to
/// lead: the tests append to the shared inbox themselves, as a leader would). Unlike <see cref="BridgeHost"/> it
/// does not wait for a nym-client address, which a follower only learns from a leader. Its own idle emulator
/// keeps its Nym:ClientUrl pointing at something real.
/// </summary>
internal sealed class ClusterInboxHost : IAsyncDisposable
{
    public const string InternalKey = "cluster-inbox-tests-internal-key-0123456789";

    private ClusterInboxHost(NymClientEmulator emulator, WebApplicationFactory<Program> factory)
    {
        Emulator = emulator;
        Factory = factory;
        Client = factory.CreateClient(); // starts the host: the inbox tail is following once this returns
    }

    public NymClientEmulator Emulator { get; }
    public WebApplicationFactory<Program> Factory { get; }
    public HttpClient Client { get; }

    /// <param name="redis">The <c>Cluster:Redis</c> value.</param>
    /// <param name="name">The <c>Cluster:Name</c>: instances with the same one share an inbox.</param>
    public static async Task<ClusterInboxHost> StartAsync(string redis, string name, string instanceId, IDictionary<string, string?>? settings = null)
    {
        var emulator = new NymClientEmulator();
        await emulator.StartAsync().DefaultTimeout();
        var all = new Dictionary<string, string?>
        {
            ["Nym:ClientUrl"] = emulator.Url.ToString(),
            ["Nym:ReconnectMinDelay"] = "00:00:00.050",
            ["Nym:ReconnectMaxDelay"] = "00:00:00.500",
            ["Bridge:DataDirectory"] = Path.Combine(Path.GetTempPath(), "nymbridge-tests-data"),
            ["Cluster:Redis"] = redis,
            ["Cluster:Name"] = name,
            ["Cluster:InstanceId"] = instanceId,
            ["Cluster:InternalKey"] = InternalKey,
            ["Cluster:LeaderEligible"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            foreach (var (key, value) in all)
            {
                builder.UseSetting(key, value);
            }
        });
        try
        {
            return await Task.Run(() => new ClusterInboxHost(emulator, factory)).DefaultTimeout();
        }
        catch
        {
            await factory.DisposeAsync();
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <param name="configure">More client settings, such as <c>WithAutomaticReconnect</c>.</param>
    public HubConnection CreateHubConnection(Action<IHubConnectionBuilder>? configure = null)
    {
        var builder = Factory.MessagesHub(Client.BaseAddress!);
        configure?.Invoke(builder);
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
