using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Cluster;
using NymBridge.Api.Hosting;
using NymBridge.Api.Nym;
using NymBridge.Api.Shutdown;
using NymBridge.Api.Status;

namespace NymBridge.Api.Inbox;

public static class InboxServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the <c>Inbox</c> section, picks the store by <c>Inbox:Store</c>, and registers the
    /// write path (<see cref="InboxWriter"/>: the connection's <see cref="IInboundSink"/>, a hosted lifecycle
    /// service, the <see cref="IInboxCounters"/>) and the fan-out (<see cref="InboxFeed"/>: the
    /// <see cref="IInboxFeed"/> readers use, and the writer's <see cref="IInboxCommitObserver"/>).
    /// </summary>
    /// <remarks>A relative <c>Inbox:Path</c> is relative to the <see cref="DataDirectory"/>.</remarks>
    public static IServiceCollection AddInbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<InboxOptions>()
            .Bind(configuration.GetSection(InboxOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Cluster mode's only store is its default there; an explicit other one is an error (InboxOptionsValidator).
        services.PostConfigure<InboxOptions>(options =>
        {
            if (IsClusterMode(configuration) && string.IsNullOrWhiteSpace(configuration[$"{InboxOptions.Section}:{nameof(InboxOptions.Store)}"]))
            {
                options.Store = InboxStoreKind.Redis;
            }
        });
        services.AddSingleton<IValidateOptions<InboxOptions>>(new InboxOptionsValidator(configuration));
        services.AddDataDirectory(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(CreateStore);
        services.TryAddSingleton<InboxFeed>();
        services.TryAddSingleton<IInboxFeed>(static sp => sp.GetRequiredService<InboxFeed>());
        services.TryAddSingleton<IInboxCommitObserver>(static sp => sp.GetRequiredService<InboxFeed>());
        services.TryAddSingleton<InboxWriter>();
        services.TryAddSingleton<IInboundSink>(static sp => sp.GetRequiredService<InboxWriter>());
        services.TryAddSingleton<IInboxCounters>(static sp => sp.GetRequiredService<InboxWriter>());
        services.AddHostedService(static sp => sp.GetRequiredService<InboxWriter>());
        services.AddSingleton<IShutdownParticipant>(static sp => sp.GetRequiredService<InboxFeed>());
        services.AddSingleton<IStatusContributor, InboxStatusContributor>();
        return services;
    }

    /// <summary>Whether <c>Cluster:Redis</c> is set: several instances share one inbox in Redis (see <c>AddCluster</c>).</summary>
    internal static bool IsClusterMode(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Redis)}"]);

    /// <summary>The inbox's SQLite file: <c>Inbox:Path</c> under the data directory. Webhook state lives beside it.</summary>
    internal static string GetInboxSqlitePath(this IServiceProvider services) =>
        services.GetRequiredService<DataDirectory>().Resolve(services.GetRequiredService<IOptions<InboxOptions>>().Value.Path);

    private static IInboxStore CreateStore(IServiceProvider services)
    {
        // The host builds its hosted services (and MapHub the hub's) before it validates options: validating every
        // section here first makes a bad Inbox value one error among all the others, not the only one reported.
        services.GetService<IStartupValidator>()?.Validate();
        var options = services.GetRequiredService<IOptions<InboxOptions>>().Value;
        switch (options.Store)
        {
            case InboxStoreKind.Memory:
                return new MemoryInboxStore(options);
            case InboxStoreKind.Sqlite:
                var resolved = new InboxOptions
                {
                    Store = options.Store,
                    Path = services.GetInboxSqlitePath(),
                    Capacity = options.Capacity,
                    MaxBytes = options.MaxBytes,
                };
                return new SqliteInboxStore(resolved, services.GetRequiredService<ILogger<SqliteInboxStore>>());
            default:
                // Redis: AddCluster registers the store (the validator has refused Redis without Cluster:Redis).
                throw new InvalidOperationException($"Inbox:Store {options.Store} is not registered here: cluster mode (AddCluster) provides it.");
        }
    }
}
