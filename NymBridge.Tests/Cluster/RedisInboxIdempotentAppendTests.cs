using NymBridge.Api.Cluster;
using NymBridge.Api.Inbox;
using NymBridge.Tests.Inbox;
using StackExchange.Redis;

namespace NymBridge.Tests.Cluster;

/// <summary>
/// A lost reply: the append script ran, but its answer never came back (Redis paused past the client's timeout, then
/// running again). The writer retries the same events; they must be in the inbox once, with the seqs of the first run.
/// </summary>
[Collection(SharedRedis.Name)]
public sealed class RedisInboxIdempotentAppendTests
{
    private static InboxOptions Bounds() => new() { Capacity = 100_000, MaxBytes = 1L << 30 };

    private static RedisInboxKeys NewKeys() => new("ia" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task A_retried_batch_whose_reply_was_lost_is_appended_once_with_the_seqs_of_the_first_run()
    {
        await using var own = await RedisServer.StartAsync();
        var keys = NewKeys();
        await using var connection = await own.ConnectFailingFastAsync();
        var store = new RedisInboxStore(connection, keys, Bounds());
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        await store.AppendAsync(TestEvents.Many(2), CancellationToken.None).DefaultTimeout();
        var batch = TestEvents.Many(5, firstIndex: 3);

        await LoseTheReplyAsync(own, keys, () => store.AppendAsync(batch, CancellationToken.None), expectedLength: 7);
        var retried = await store.AppendAsync(batch, CancellationToken.None).DefaultTimeout(); // as InboxWriter retries

        Assert.Equal([3L, 4, 5, 6, 7], retried.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), await SeqsAndPayloadsAsync(own, keys));
        Assert.Equal(7, store.GetStats().LastSeq);
        // And the log goes on after it as usual.
        Assert.Equal([8L], (await store.AppendAsync(TestEvents.Many(1, firstIndex: 8), CancellationToken.None).DefaultTimeout()).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_retry_with_events_accepted_meanwhile_appends_the_lost_batch_once_and_the_new_ones_after_it()
    {
        await using var own = await RedisServer.StartAsync();
        var keys = NewKeys();
        await using var connection = await own.ConnectFailingFastAsync();
        var store = new RedisInboxStore(connection, keys, Bounds());
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var batch = new List<InboxEvent>(TestEvents.Many(4));

        await LoseTheReplyAsync(own, keys, () => store.AppendAsync(batch, CancellationToken.None), expectedLength: 4);
        batch.AddRange(TestEvents.Many(3, firstIndex: 5)); // the writer tops its batch up before it retries
        var retried = await store.AppendAsync(batch, CancellationToken.None).DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), retried.Select(e => e.Seq));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), await SeqsAndPayloadsAsync(own, keys));
    }

    [Fact]
    public async Task A_retry_of_a_call_that_never_reached_Redis_appends_the_batch()
    {
        await using var own = await RedisServer.StartAsync();
        var keys = NewKeys();
        await using var connection = await own.ConnectFailingFastAsync();
        var store = new RedisInboxStore(connection, keys, Bounds());
        await store.InitializeAsync(CancellationToken.None).DefaultTimeout();
        var batch = TestEvents.Many(3);

        await own.KillAsync(); // nothing runs the script: the retry must append, not answer from a run that never was
        await Assert.ThrowsAsync<InboxUnavailableException>(() => store.AppendAsync(batch, CancellationToken.None)).DefaultTimeout();
        await own.RestartAsync(keepData: true);
        var retried = await Eventually.ProbeUntilAsync(
            async () =>
            {
                try
                {
                    return await store.AppendAsync(batch, CancellationToken.None);
                }
                catch (InboxUnavailableException)
                {
                    return null;
                }
            },
            appended => appended is not null, "the store reaches Redis again");

        Assert.Equal([1L, 2, 3], retried!.Select(e => e.Seq));
        Assert.Equal([1L, 2, 3], await SeqsAndPayloadsAsync(own, keys));
    }

    /// <summary>
    /// Runs the append while Redis is paused: the call times out, but its script is in Redis's socket buffer and runs as
    /// soon as Redis does, with nobody left to read the answer.
    /// </summary>
    private static async Task LoseTheReplyAsync(RedisServer own, RedisInboxKeys keys, Func<Task> append, long expectedLength)
    {
        own.Pause();
        try
        {
            await Assert.ThrowsAsync<InboxUnavailableException>(append).DefaultTimeout();
        }
        finally
        {
            own.Resume();
        }

        await Eventually.WaitUntilAsync(
            async () => await own.Connection.GetDatabase().StreamLengthAsync(keys.Stream) == expectedLength,
            "the script whose reply was lost ran once Redis ran again");
    }

    /// <summary>The seqs in the stream, each checked against its payload's index (one copy of each event, none other).</summary>
    private static async Task<IEnumerable<long>> SeqsAndPayloadsAsync(RedisServer own, RedisInboxKeys keys)
    {
        var entries = await own.Connection.GetDatabase().StreamRangeAsync(keys.Stream).DefaultTimeout();
        var events = entries.Select(RedisInboxCodec.Decode).ToList();
        Assert.All(events, e => Assert.Equal(e.Seq, TestEvents.IndexOf(e)));
        return events.Select(e => e.Seq);
    }
}
