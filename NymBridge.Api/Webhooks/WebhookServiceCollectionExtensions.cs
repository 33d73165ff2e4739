using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NymBridge.Api.Hosting;
using NymBridge.Api.Inbox;
using NymBridge.Api.Status;

namespace NymBridge.Api.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>Keyed <see cref="TimeProvider"/> a test may register to drive retries and reply windows alone.</summary>
    public const string TimeKey = "Webhooks";

    /// <summary>
    /// Binds and validates <c>Webhooks</c> (every error at once, at start), and registers the sender, the state
    /// store (next to the inbox: SQLite in a file beside its file, or memory), the dispatcher and its status and metrics.
    /// The dispatcher starts after the inbox store is open and stops before it closes, whatever the order of the
    /// <c>Add...</c> calls: the inbox opens and flushes in the host's starting and stopped phases.
    /// </summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<WebhooksOptions>().Bind(configuration.GetSection(WebhooksOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhooksOptions>, WebhookOptionsValidator>();
        services.AddSingleton<GeneratedWebhookSecrets>();
        services.AddSingleton<IPostConfigureOptions<WebhooksOptions>>(static sp => sp.GetRequiredService<GeneratedWebhookSecrets>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(static sp => new WebhookClock(sp.GetKeyedService<TimeProvider>(TimeKey) ?? sp.GetRequiredService<TimeProvider>()));
        services.AddHttpClient(WebhookSender.ClientName)
            // A 3xx is a failure (Standard Webhooks): following it would deliver somewhere nobody configured.
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            // IHttpClientFactory logs every request's full URL at Information, and a webhook URL may carry a
            // token in its query: the sender logs endpoint name, seq, status and duration itself.
            .RemoveAllLoggers();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookReplier>();
        services.TryAddSingleton(CreateStore);
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(static sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddHostedService<WebhookBanner>();
        services.AddSingleton(static sp => new WebhookMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            () => sp.GetRequiredService<WebhookDispatcher>().Endpoints.Select(e => (e.Name, e.Pending))));
        services.AddSingleton<IStatusContributor, WebhookStatusContributor>();
        return services;
    }

    private static IWebhookStateStore CreateStore(IServiceProvider services)
    {
        var inbox = services.GetRequiredService<IOptions<InboxOptions>>().Value;
        if (inbox.Store is InboxStoreKind.Memory or InboxStoreKind.Redis)
        {
            return new MemoryWebhookStateStore();
        }

        // Beside the inbox's own file (a relative Inbox:Path is under the data directory), with the journal in front.
        var path = SqliteWebhookStateStore.PathFor(services.GetInboxSqlitePath());
        return new JournaledWebhookStateStore(
            new SqliteWebhookStateStore(path, services.GetRequiredService<ILogger<SqliteWebhookStateStore>>()),
            services.GetRequiredService<ILogger<JournaledWebhookStateStore>>());
    }
}
