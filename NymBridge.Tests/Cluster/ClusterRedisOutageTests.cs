using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Api.Realtime;
using NymBridge.Tests.Inbox;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// A Redis that stops answering (SIGSTOP) or comes back as another epoch, seen from a follower: reads answer 503 with
/// Retry-After instead of 500, and a SignalR connection whose subscription ended is closed, so the client's reconnect
/// takes over and it resumes, instead of an open connection that is pushed nothing, ever.
/// </summary>
/// <remarks>Each test has a Redis of its own: pausing the shared one would stall the other tests of the collection.</remarks>
[Collection(SharedRedis.Name)]
public sealed class ClusterRedisOutageTests
{
    // Short client timeouts: a paused Redis is noticed within a second, not StackExchange.Redis's default five.
    private const string FastTimeouts = ",syncTimeout=1000,asyncTimeout=1000,connectTimeout=1000";

    private static string NewName() => "co" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A redis-server of the test's own, an instance following it with short Redis timeouts, and a writer that appended the first events.</summary>
    private sealed class Outage(RedisServer redis, ClusterInboxHost host, RedisInboxStore writer) : IAsyncDisposable
    {
        public RedisServer Redis { get; } = redis;

        public ClusterInboxHost Host { get; } = host;

        public RedisInboxStore Writer { get; } = writer;

        public static async Task<Outage> StartAsync(int events)
        {
            var redis = await RedisServer.StartAsync();
            var name = NewName();
            var host = await ClusterInboxHost.StartAsync(redis.Configuration + FastTimeouts, name, "a");
            var writer = new RedisInboxStore(redis.Connection, new RedisInboxKeys(name), new InboxOptions { Capacity = 100_000, MaxBytes = 1L << 30 });
            await writer.InitializeAsync(CancellationToken.None).DefaultTimeout();
            await writer.AppendAsync(TestEvents.Many(events), CancellationToken.None).DefaultTimeout();
            return new Outage(redis, host, writer);
        }

        public Task WaitUntilReadableAsync() =>
            Eventually.WaitUntilAsync(async () => (await Host.Client.GetAsync("/messages?after=0&wait=0")).IsSuccessStatusCode, "the instance reads Redis");

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task While_Redis_does_not_answer_every_inbox_read_answers_503_with_Retry_After_and_then_200_again()
    {
        await using var outage = await Outage.StartAsync(events: 3);
        var (own, host) = (outage.Redis, outage.Host);
        await outage.WaitUntilReadableAsync();

        own.Pause();
        try
        {
            foreach (var path in new[] { "/messages?wait=0", "/messages?after=0&wait=0", "/messages?after=0&wait=5", "/messages/1/payload", "/messages/stream?after=0" })
            {
                using var response = await host.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
                var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)response.StatusCode} {body}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"{path}: Retry-After {response.Headers.RetryAfter}");
                var problem = JsonSerializer.Deserialize<JsonElement>(body);
                Assert.Equal(503, problem.GetProperty("status").GetInt32());
                var detail = problem.GetProperty("detail").GetString()!;
                Assert.Contains("inbox store (Redis) is unreachable", detail, StringComparison.Ordinal);
                Assert.Contains("Try again", detail, StringComparison.Ordinal);
                Assert.DoesNotContain(own.SocketPath, body, StringComparison.Ordinal); // no address of Redis either
            }
        }
        finally
        {
            own.Resume();
        }

        // Then reads answer again, with everything retained. (Not a queue read here: the paused one's take ran once
        // Redis did, with nobody to hear its answer, so those events count as taken; README says so.)
        var page = await Eventually.ProbeUntilAsync(
            async () => await host.Client.GetAsync("/messages?after=0&wait=0"), r => r.IsSuccessStatusCode, "Redis answers again");
        var replay = await page.Content.ReadFromJsonAsync<JsonElement>().DefaultTimeout();
        Assert.Equal([1L, 2, 3], replay.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task A_SignalR_connection_whose_subscription_fails_on_a_paused_Redis_is_closed_and_its_client_reconnects_and_resumes()
    {
        await using var outage = await Outage.StartAsync(events: 2);
        var (own, host, writer) = (outage.Redis, outage.Host, outage.Writer);
        await outage.WaitUntilReadableAsync();

        own.Pause();
        ResilientClient client;
        try
        {
            // Connects while Redis does not answer: the connection's subscription fails on its first read.
            client = await ResilientClient.ConnectAsync(host, resumeAfter: 2);
            await client.Reconnecting.Task.DefaultTimeout(); // closed by the server, not left open and silent
        }
        finally
        {
            own.Resume();
        }

        await using (client)
        {
            await client.Reconnected.Task.DefaultTimeout();
            await writer.AppendAsync(TestEvents.Many(3, firstIndex: 3), CancellationToken.None).DefaultTimeout();
            // Live or by its Replay(after) on reconnecting: every event after the ones it had, once each, in order.
            Assert.Equal([3L, 4, 5], await client.ReadSeqsAsync(3));
        }
    }

    [Fact]
    public async Task A_SignalR_connection_is_closed_when_the_inbox_begins_a_new_epoch_and_its_client_reconnects_and_gets_new_events()
    {
        await using var outage = await Outage.StartAsync(events: 2);
        var (own, host, writer) = (outage.Redis, outage.Host, outage.Writer);
        await using var client = await ResilientClient.ConnectAsync(host, resumeAfter: 2);
        await writer.AppendAsync(TestEvents.Many(1, firstIndex: 3), CancellationToken.None).DefaultTimeout();
        Assert.Equal([3L], await client.ReadSeqsAsync(1)); // live

        await own.RestartAsync(keepData: false); // a new epoch: the seqs start again from 1

        await client.Reconnecting.Task.DefaultTimeout();
        await client.Reconnected.Task.DefaultTimeout();
        // The instance's tail follows the new epoch; what is appended there reaches the reconnected client's new subscription.
        var first = TestEvents.Many(1, firstIndex: 1); // the same events on every attempt: a retry, never a second copy
        await Eventually.WaitUntilAsync(
            async () =>
            {
                try
                {
                    await writer.AppendAsync(first, CancellationToken.None);
                    return true;
                }
                catch (InboxUnavailableException)
                {
                    return false; // the test's own connection is not back yet
                }
            },
            "the writer reaches Redis again");
        Assert.Equal([1L], await client.ReadSeqsAsync(1));
    }

    /// <summary>
    /// A client as an app writes one: automatic reconnect, and on reconnecting a <c>Replay(after)</c> from the last seq
    /// it has (the new connection's subscription is live from its own start).
    /// </summary>
    private sealed class ResilientClient : IAsyncDisposable
    {
        private readonly HubConnection _hub;
        private readonly Channel<JsonElement> _events = Channel.CreateUnbounded<JsonElement>();
        private long _last;

        private ResilientClient(HubConnection hub, long last)
        {
            _hub = hub;
            _last = last;
        }

        public TaskCompletionSource Reconnecting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Reconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<ResilientClient> ConnectAsync(ClusterInboxHost host, long resumeAfter)
        {
            var hub = host.CreateHubConnection(b => b.WithAutomaticReconnect(new EveryFewMilliseconds()));
            var client = new ResilientClient(hub, resumeAfter);
            var statuses = Channel.CreateUnbounded<StatusPush>();
            hub.On<JsonElement>("received", e => client._events.Writer.TryWrite(e));
            hub.On<StatusPush>("status", s => statuses.Writer.TryWrite(s));
            hub.Reconnecting += _ =>
            {
                client.Reconnecting.TrySetResult();
                return Task.CompletedTask;
            };
            hub.Reconnected += async _ =>
            {
                try
                {
                    await hub.InvokeAsync<ReplayResult>("Replay", Interlocked.Read(ref client._last));
                    client.Reconnected.TrySetResult(); // resumed: the events after its last seq are pushed or replayed
                }
                catch (Exception e) when (e is HubException or InvalidOperationException or OperationCanceledException)
                {
                    // Redis not back yet, or this connection closed again: the next reconnect replays.
                }
            };
            await hub.StartAsync().DefaultTimeout();
            await statuses.Reader.ReadAsync().AsTask().DefaultTimeout();
            return client;
        }

        /// <summary>The seqs of the next <paramref name="count"/> events pushed, live or replayed, after checking each one's payload.</summary>
        public async Task<List<long>> ReadSeqsAsync(int count)
        {
            var seqs = new List<long>(count);
            while (seqs.Count < count)
            {
                var e = await _events.Reader.ReadAsync().AsTask().DefaultTimeout();
                var seq = e.GetProperty("seq").GetInt64();
                Assert.Equal(seq, BinaryPrimitives.ReadInt32LittleEndian(Convert.FromBase64String(e.GetProperty("messageBase64").GetString()!)));

                seqs.Add(seq);
                Interlocked.Exchange(ref _last, seq);
            }

            return seqs;
        }

        public async ValueTask DisposeAsync() => await _hub.DisposeAsync();
    }

    /// <summary>Reconnects every 100 ms for the length of a test, not SignalR's default 0, 2, 10, 30 s and give up.</summary>
    private sealed class EveryFewMilliseconds : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.ElapsedTime < TestTimeout.Default ? TimeSpan.FromMilliseconds(100) : null;
    }
}
