using System.Diagnostics;

namespace NymBridge.Tests.Inbox;

/// <summary>Wake-up latency: alone, so other test classes do not compete for the two test threads meanwhile.</summary>
[CollectionDefinition(nameof(InboxWakeTests), DisableParallelization = true)]
public sealed class InboxWakeTestGroup;

[Collection(nameof(InboxWakeTests))]
public sealed class InboxWakeTests
{
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(null)]
    [InlineData(1L)]
    public async Task A_waiting_reader_wakes_as_soon_as_an_event_is_accepted(long? after)
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();
        await inbox.AcceptAsync(1); // one round trip first, so the timing below measures waking, not JIT
        Assert.Single((await inbox.Feed.ReadAsync(after is null ? null : 0, null, 10, LongWait, CancellationToken.None).DefaultTimeout()).Events);

        var waiting = inbox.Feed.ReadAsync(after, null, 10, LongWait, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        var clock = Stopwatch.StartNew();
        await inbox.AcceptAsync(1, firstIndex: 2);
        var read = await waiting.WaitAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(2, Assert.Single(read.Events).Seq);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"woke after {clock.Elapsed}");
    }

    [Fact]
    public async Task Ten_thousand_waiting_readers_all_wake_on_one_commit()
    {
        await using var inbox = await InboxHarness.StartMemoryAsync();

        var waiting = Enumerable.Range(0, 10_000)
            .Select(_ => inbox.Feed.ReadAsync(0, null, 10, LongWait, CancellationToken.None))
            .ToArray();
        Assert.DoesNotContain(waiting, w => w.IsCompleted);
        await inbox.AcceptAsync(1);
        var reads = await Task.WhenAll(waiting).DefaultTimeout();

        Assert.All(reads, r => Assert.Equal(1, Assert.Single(r.Events).Seq));
    }
}
