using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using NymBridge.Api.Inbox;
using NymBridge.Api.Nym;

namespace NymBridge.Tests.Inbox;

public sealed class InboxServiceCollectionExtensionsTests
{
    [Fact]
    public async Task One_inbox_is_the_service_the_inbound_sink_and_a_hosted_service()
    {
        var provider = Build(new() { ["Inbox:Store"] = "Memory" });
        try
        {
            var inbox = provider.GetRequiredService<InboxService>();

            Assert.Same(inbox, provider.GetRequiredService<IInboundSink>());
            Assert.Contains(provider.GetServices<IHostedService>(), s => ReferenceEquals(s, inbox));
            Assert.IsType<MemoryInboxStore>(provider.GetRequiredService<IInboxStore>());
        }
        finally
        {
            await provider.DisposeAsync().Limit();
        }
    }

    [Fact]
    public async Task Sqlite_is_the_default_and_a_relative_path_is_under_the_content_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "content-root");
        var provider = Build(new() { ["Inbox:Path"] = "state/inbox.db" }, root);
        try
        {
            var store = Assert.IsType<SqliteInboxStore>(provider.GetRequiredService<IInboxStore>());

            Assert.Equal(Path.Combine(root, "state", "inbox.db"), store.FilePath);
        }
        finally
        {
            await provider.DisposeAsync().Limit();
        }
    }

    [Theory]
    [InlineData("Inbox:Capacity", "0")]
    [InlineData("Inbox:MaxBytes", "10")]
    [InlineData("Inbox:Path", "")]
    public async Task Invalid_options_fail_at_start(string key, string value)
    {
        var provider = Build(new() { [key] = value });
        try
        {
            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
            Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await provider.DisposeAsync().Limit();
        }
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, string? contentRoot = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (contentRoot is not null)
        {
            services.AddSingleton<IHostEnvironment>(new HostingEnvironment { ContentRootPath = contentRoot });
        }

        return services.AddInbox(configuration).BuildServiceProvider();
    }
}
