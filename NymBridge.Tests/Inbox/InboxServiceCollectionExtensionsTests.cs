using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NymBridge.Api.Inbox;
using NymBridge.Api.Nym;

namespace NymBridge.Tests.Inbox;

public sealed class InboxServiceCollectionExtensionsTests
{
    [Fact]
    public async Task One_writer_is_the_inbound_sink_and_a_hosted_service_and_one_feed_hears_its_commits()
    {
        var provider = Build(new() { ["Inbox:Store"] = "Memory" });
        try
        {
            var writer = provider.GetRequiredService<InboxWriter>();
            var feed = provider.GetRequiredService<InboxFeed>();

            Assert.Same(writer, provider.GetRequiredService<IInboundSink>());
            Assert.Same(writer, provider.GetRequiredService<IInboxCounters>());
            Assert.Contains(provider.GetServices<IHostedService>(), s => ReferenceEquals(s, writer));
            Assert.Same(feed, provider.GetRequiredService<IInboxFeed>());
            Assert.Same(feed, provider.GetRequiredService<IInboxCommitObserver>());
            Assert.IsType<MemoryInboxStore>(provider.GetRequiredService<IInboxStore>());
        }
        finally
        {
            await provider.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Sqlite_is_the_default_and_a_relative_path_is_under_the_data_directory()
    {
        using var data = new TempDirectory();
        var provider = Build(new() { ["Inbox:Path"] = "state/inbox.db", ["Bridge:DataDirectory"] = data.Path });
        try
        {
            var store = Assert.IsType<SqliteInboxStore>(provider.GetRequiredService<IInboxStore>());

            Assert.Equal(Path.Combine(data.Path, "state", "inbox.db"), store.FilePath);
        }
        finally
        {
            await provider.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task The_default_file_is_inbox_db_in_the_data_directory_and_an_absolute_path_is_kept()
    {
        using var data = new TempDirectory();
        var absolute = Path.Combine(data.Path, "elsewhere", "mine.db");
        var byDefault = Build(new() { ["Bridge:DataDirectory"] = data.Path });
        var configured = Build(new() { ["Bridge:DataDirectory"] = Path.Combine(data.Path, "unused"), ["Inbox:Path"] = absolute });
        try
        {
            Assert.Equal(Path.Combine(data.Path, "inbox.db"), Assert.IsType<SqliteInboxStore>(byDefault.GetRequiredService<IInboxStore>()).FilePath);
            Assert.Equal(absolute, Assert.IsType<SqliteInboxStore>(configured.GetRequiredService<IInboxStore>()).FilePath);
        }
        finally
        {
            await byDefault.DisposeAsync().DefaultTimeout();
            await configured.DisposeAsync().DefaultTimeout();
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
            await provider.DisposeAsync().DefaultTimeout();
        }
    }

    /// <summary>A data directory under temp unless the test names one: never the real user's.</summary>
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Bridge:DataDirectory", Path.Combine(Path.GetTempPath(), "nymbridge-tests-unused"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddInbox(configuration).BuildServiceProvider();
    }
}
