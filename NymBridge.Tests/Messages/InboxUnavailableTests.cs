using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;

namespace NymBridge.Tests.Messages;

/// <summary>
/// A store that cannot be read now (what cluster mode's Redis store reports when Redis does not answer), without Redis:
/// reads answer 503 with Retry-After, an SSE stream that fails after it started ends (so EventSource reconnects with
/// Last-Event-ID) instead of breaking or hanging, and a SignalR connection whose subscription failed is closed so its
/// client reconnects.
/// </summary>
public sealed class InboxUnavailableTests
{
    private static async Task<(BridgeHost Host, UnavailableStore Store)> StartAsync()
    {
        var store = new UnavailableStore(new MemoryInboxStore(new InboxOptions { Store = InboxStoreKind.Memory }));
        var host = await BridgeHost.StartAsync(configure: builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IInboxStore>(store)));
        return (host, store);
    }

    [Fact]
    public async Task A_read_of_a_store_that_cannot_be_reached_answers_503_with_Retry_After_and_a_detail_that_says_so()
    {
        var (host, store) = await StartAsync();
        await using var _ = host;
        store.Failing = true;

        foreach (var path in new[] { "/messages?wait=0", "/messages?after=0&wait=0", "/messages/1/payload" })
        {
            using var response = await host.Client.GetAsync(path).DefaultTimeout();
            var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
            Assert.Equal(InboxUnavailableException.DefaultMessage, JsonSerializer.Deserialize<JsonElement>(body).GetProperty("detail").GetString());
        }

        store.Failing = false;
        using var after = await host.Client.GetAsync("/messages?after=0&wait=0").DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task An_event_stream_whose_store_fails_after_it_started_ends_cleanly_for_EventSource_to_reconnect()
    {
        var (host, store) = await StartAsync();
        await using var _ = host;
        store.Failing = true; // the stream's start needs no read (a fixed epoch); its subscription's first read fails

        using var response = await host.Client.GetAsync("/messages/stream?after=0", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var sse = new SseReader(await response.Content.ReadAsStreamAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready", (await sse.NextAsync().DefaultTimeout()).Event);
        await Assert.ThrowsAsync<EndOfStreamException>(() => sse.NextAsync().DefaultTimeout()); // ended, not broken, not hanging
    }

    [Fact]
    public async Task A_SignalR_connection_whose_subscription_fails_is_closed_with_a_reconnect_allowed()
    {
        var (host, store) = await StartAsync();
        await using var _ = host;
        store.Failing = true;
        var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = host.CreateHubConnection(b => b.WithAutomaticReconnect());
        hub.Reconnecting += e =>
        {
            reconnecting.TrySetResult(e);
            return Task.CompletedTask;
        };
        hub.Closed += e =>
        {
            reconnecting.TrySetException(new InvalidOperationException("Closed without a reconnect: " + e?.Message));
            return Task.CompletedTask;
        };

        await hub.StartAsync().DefaultTimeout();

        var error = await reconnecting.Task.DefaultTimeout();
        Assert.Contains("Replay(after)", error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_SignalR_subscription_whose_store_misses_a_read_or_two_goes_on_without_a_reconnect()
    {
        var (host, store) = await StartAsync();
        await using var _ = host;
        store.FailNextReads(InboxFeed.CatchUpAttempts - 1); // the subscription's first read, and every retry but its last
        var interruptions = new ConcurrentQueue<string>();
        var events = Channel.CreateUnbounded<JsonElement>();
        await using var hub = host.CreateHubConnection(b => b.WithAutomaticReconnect());
        hub.On<JsonElement>("received", e => events.Writer.TryWrite(e));
        hub.Reconnecting += e =>
        {
            interruptions.Enqueue("reconnecting: " + e?.Message);
            return Task.CompletedTask;
        };
        hub.Closed += e =>
        {
            interruptions.Enqueue("closed: " + e?.Message);
            return Task.CompletedTask;
        };

        await hub.StartAsync().DefaultTimeout();
        await Eventually.WaitUntilAsync(() => store.FailuresLeft <= 0, "the subscription to read through its failures");
        await host.InjectMixAsync(3);

        var seqs = new List<long>();
        while (seqs.Count < 3)
        {
            seqs.Add((await events.Reader.ReadAsync().AsTask().DefaultTimeout()).GetProperty("seq").GetInt64());
        }

        Assert.Equal([1L, 2L, 3L], seqs);
        Assert.Empty(interruptions);
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    /// <summary>
    /// A memory store whose reads throw <see cref="InboxUnavailableException"/> while <see cref="Failing"/> is set, or for
    /// the next reads counted by <see cref="FailNextReads"/>.
    /// </summary>
    private sealed class UnavailableStore(IInboxStore inner) : IInboxStore
    {
        public volatile bool Failing;

        private int _failuresLeft;

        public int FailuresLeft => Volatile.Read(ref _failuresLeft);

        public void FailNextReads(int count) => Volatile.Write(ref _failuresLeft, count);

        /// <summary>Whether this read fails; a read counted by <see cref="FailNextReads"/> uses up one failure.</summary>
        private bool FailsThisRead() => Failing || Interlocked.Decrement(ref _failuresLeft) >= 0;

        public string Epoch => inner.Epoch;
        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);
        public Task<IReadOnlyList<InboxEvent>> AppendAsync(IReadOnlyList<InboxEvent> events, CancellationToken cancellationToken) => inner.AppendAsync(events, cancellationToken);

        public Task<IReadOnlyList<InboxEvent>> ReadAfterAsync(long afterSeq, int max, CancellationToken cancellationToken) =>
            FailsThisRead() ? throw new InboxUnavailableException() : inner.ReadAfterAsync(afterSeq, max, cancellationToken);

        public Task<InboxEvent?> GetAsync(long seq, CancellationToken cancellationToken) =>
            FailsThisRead() ? throw new InboxUnavailableException() : inner.GetAsync(seq, cancellationToken);

        public Task<InboxTake> TakeAsync(int max, CancellationToken cancellationToken) =>
            FailsThisRead() ? throw new InboxUnavailableException() : inner.TakeAsync(max, cancellationToken);

        public InboxStats GetStats() => inner.GetStats();
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
