using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Api.Webhooks;

namespace NymBridge.Tests.Cluster;

/// <summary>What cluster mode composes, and what it refuses at start, without a Redis (nothing here connects).</summary>
public sealed class ClusterInboxWiringTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private const string Secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    [Fact]
    public async Task An_explicit_local_store_and_webhooks_are_refused_in_cluster_mode_with_the_other_errors()
    {
        await using var provider = Build(new()
        {
            ["Cluster:Redis"] = "!/tmp/nowhere.sock",
            ["Inbox:Store"] = "Sqlite",
            ["Webhooks:Endpoints:shop:Url"] = "https://shop.example/hook",
            ["Webhooks:Endpoints:shop:Secret"] = Secret,
            // and no Cluster:InternalKey
        });

        var failures = StartupFailures(provider);

        Assert.Contains(failures, f => f.StartsWith("Inbox:Store is Sqlite, but Cluster:Redis is set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Webhooks are not supported in cluster mode yet", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Cluster:InternalKey is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inbox_store_Redis_without_cluster_mode_is_refused()
    {
        await using var provider = Build(new() { ["Inbox:Store"] = "Redis" });

        Assert.Contains(StartupFailures(provider), f => f.StartsWith("Inbox:Store is Redis, which needs cluster mode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task In_cluster_mode_the_store_is_Redis_the_writer_tells_nobody_and_a_tail_drives_the_feed()
    {
        await using var provider = Build(new() { ["Cluster:Redis"] = "!/tmp/nowhere.sock", ["Cluster:InternalKey"] = Key, ["Cluster:LeaderEligible"] = "false" });

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(InboxStoreKind.Redis, provider.GetRequiredService<IOptions<InboxOptions>>().Value.Store);
        var services = provider.GetRequiredService<IServiceCollectionProbe>().Services;
        Assert.Equal(typeof(ClusterInboxWriterObserver), services.Last(d => d.ServiceType == typeof(IInboxCommitObserver)).ImplementationType);
        Assert.Single(services, d => d.ServiceType == typeof(IInboxCommitObserver));
        Assert.Single(services, d => d.ServiceType == typeof(IInboxStore));
        Assert.Contains(services, d => d.ServiceType == typeof(ClusterInboxTailService));
    }

    [Fact]
    public async Task Without_cluster_mode_the_writer_tells_the_feed_and_webhooks_are_allowed()
    {
        await using var provider = Build(new()
        {
            ["Inbox:Store"] = "Memory",
            ["Webhooks:Endpoints:shop:Url"] = "https://shop.example/hook",
            ["Webhooks:Endpoints:shop:Secret"] = Secret,
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Same(provider.GetRequiredService<InboxFeed>(), provider.GetRequiredService<IInboxCommitObserver>());
        Assert.IsType<MemoryInboxStore>(provider.GetRequiredService<IInboxStore>());
    }

    private static List<string> StartupFailures(IServiceProvider provider)
    {
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var all = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [error];
        return [.. all.OfType<OptionsValidationException>().SelectMany(e => e.Failures)];
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Bridge:DataDirectory", Path.Combine(Path.GetTempPath(), "nymbridge-tests-unused"));
        settings.TryAdd("Nym:ClientUrl", "ws://127.0.0.1:1977/");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddInbox(configuration).AddWebhooks(configuration).AddCluster(configuration);
        services.AddSingleton<IServiceCollectionProbe>(new ServiceCollectionProbe([.. services]));
        return services.BuildServiceProvider();
    }

    private interface IServiceCollectionProbe
    {
        IReadOnlyList<ServiceDescriptor> Services { get; }
    }

    private sealed record ServiceCollectionProbe(IReadOnlyList<ServiceDescriptor> Services) : IServiceCollectionProbe;
}
