using Microsoft.Extensions.Logging.Abstractions;
using NymBridge.Api.Webhooks;

namespace NymBridge.Tests.Webhooks;

/// <summary>
/// The journal in front of the SQLite webhook state: what was saved and not folded yet is back after a crash
/// (a store that is never disposed, its files left as a killed process leaves them), torn tails are cut, another
/// epoch's journal is forgotten, and a segment folded already but not removed is applied again harmlessly.
/// </summary>
public sealed class WebhookStateJournalTests : IAsyncLifetime, IDisposable
{
    private const string Epoch = "epoch-1";
    private readonly TempDirectory _temp = new();
    private readonly List<IAsyncDisposable> _crashed = [];

    private string StatePath => Path.Combine(_temp.Path, "inbox-webhooks.db");

    [Fact]
    public async Task Saves_that_were_never_folded_are_back_after_a_crash()
    {
        var crashed = await CrashedAfterAsync(Admit(1, 2, 3), Delivered(1, attemptId: 1), Delivered(2, attemptId: 2));

        Assert.Single(Segments());
        await using (var sqliteOnly = new SqliteWebhookStateStore(StatePath, NullLogger.Instance))
        {
            await sqliteOnly.InitializeAsync(Epoch, default);
            Assert.Null(await sqliteOnly.LoadAsync("a", default)); // only the journal has it
        }

        await using var restarted = await OpenAsync();
        var state = await restarted.LoadAsync("a", default);
        Assert.NotNull(state);
        Assert.Equal(3, state.Endpoint.Cursor);
        Assert.Equal(2, state.Endpoint.Delivered);
        Assert.Equal([3L], state.Deliveries.Select(d => d.Seq));
        Assert.Equal(2, state.LastAttemptId);
        Assert.Equal([1L, 2L], (await restarted.ReadAttemptsAsync("a", 0, 10, default)).Select(a => a.Seq));
        GC.KeepAlive(crashed);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_and_what_came_before_it_is_kept()
    {
        await CrashedAfterAsync(Admit(1, 2), Delivered(1, attemptId: 1), Delivered(2, attemptId: 2));
        var segment = Segments().Single();
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            file.SetLength(file.Length - 3); // the last write half done when the power went
        }

        await using var restarted = await OpenAsync();
        AssertState(await restarted.LoadAsync("a", default), delivered: 1, pending: 2);
    }

    [Fact]
    public async Task A_corrupted_record_ends_the_replay_there()
    {
        await CrashedAfterAsync(Admit(1, 2), Delivered(1, attemptId: 1), Delivered(2, attemptId: 2));
        var segment = Segments().Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[^2] ^= 0xFF; // inside the last record's payload: its CRC no longer matches
        await File.WriteAllBytesAsync(segment, bytes);

        await using var restarted = await OpenAsync();
        var state = await restarted.LoadAsync("a", default);
        Assert.NotNull(state);
        Assert.Equal(1, state.Endpoint.Delivered);
    }

    [Fact]
    public async Task The_journal_of_another_inbox_epoch_is_forgotten()
    {
        await CrashedAfterAsync(Admit(1, 2));

        await using var restarted = await OpenAsync("epoch-2");
        Assert.Null(await restarted.LoadAsync("a", default));
        Assert.DoesNotContain(Segments(), s => File.ReadAllBytes(s).Length > 64);
    }

    [Fact]
    public async Task A_segment_folded_already_but_not_removed_is_applied_again_without_harm()
    {
        var store = await OpenAsync(foldDelay: Timeout.InfiniteTimeSpan);
        _crashed.Add(store);
        await store.SaveAsync([Admit(1, 2)], default);
        await store.SaveAsync([Delivered(1, attemptId: 1)], default);
        var first = Segments().Single();
        var copy = await File.ReadAllBytesAsync(first);
        Assert.NotNull(await store.LoadAsync("a", default)); // a read folds: the segment goes
        Assert.DoesNotContain(first, Segments());
        await File.WriteAllBytesAsync(first, copy);          // ... as if the crash came between the commit and the removal
        await store.SaveAsync([Delivered(2, attemptId: 2)], default);

        await using var restarted = await OpenAsync();
        var state = await restarted.LoadAsync("a", default);
        Assert.NotNull(state);
        Assert.Equal(2, state.Endpoint.Delivered);
        Assert.Empty(state.Deliveries);
        Assert.Equal([1L, 2L], (await restarted.ReadAttemptsAsync("a", 0, 10, default)).Select(a => a.Id));
    }

    [Fact]
    public async Task A_clean_stop_folds_everything_and_leaves_no_segment()
    {
        await using (var store = await OpenAsync(foldDelay: Timeout.InfiniteTimeSpan))
        {
            await store.SaveAsync([Admit(1, 2)], default);
            await store.SaveAsync([Delivered(1, attemptId: 1)], default);
        }

        Assert.Empty(Segments());
        await using var sqliteOnly = new SqliteWebhookStateStore(StatePath, NullLogger.Instance);
        await sqliteOnly.InitializeAsync(Epoch, default);
        AssertState(await sqliteOnly.LoadAsync("a", default), delivered: 1, pending: 2);
    }

    [Fact]
    public async Task A_fold_removes_delivered_rows_in_runs_and_keeps_the_rows_between_them()
    {
        await using (var store = await OpenAsync(foldDelay: Timeout.InfiniteTimeSpan))
        {
            await store.SaveAsync([Admit(1, 2, 3, 4, 5, 6, 7)], default);
            Assert.NotNull(await store.LoadAsync("a", default)); // folded: these rows are in SQLite now
            await store.SaveAsync([Delivered(1, attemptId: 1), Delivered(2, attemptId: 2), Delivered(3, attemptId: 3)], default);
            await store.SaveAsync([new WebhookStateChange(Row(), Upserts: [new WebhookDelivery(4, 1, DateTimeOffset.UnixEpoch.AddHours(1), false, null)])], default);
            await store.SaveAsync([Delivered(6, attemptId: 4), Delivered(5, attemptId: 5), Admit(8, 9), Delivered(9, attemptId: 6)], default);
        }

        await using var sqliteOnly = new SqliteWebhookStateStore(StatePath, NullLogger.Instance);
        await sqliteOnly.InitializeAsync(Epoch, default);
        var state = await sqliteOnly.LoadAsync("a", default);
        AssertState(state, delivered: 6, 4, 7, 8);
        Assert.Equal(1, state!.Deliveries.Single(d => d.Seq == 4).Attempts);
    }

    [Fact]
    public async Task Saves_reach_sqlite_in_the_background_without_a_read()
    {
        await using var store = await OpenAsync(foldDelay: TimeSpan.FromMilliseconds(1));
        await store.SaveAsync([Admit(1)], default);

        await using var sqliteOnly = new SqliteWebhookStateStore(StatePath, NullLogger.Instance);
        await sqliteOnly.InitializeAsync(Epoch, default);
        await Eventually.WaitUntilAsync(async () => await sqliteOnly.LoadAsync("a", default) is not null, "the save reaches SQLite");
    }

    [Fact]
    public async Task A_reply_claim_holds_across_a_crash_until_its_window_ends()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        var crashed = await CrashedAfterAsync(Admit(1, 2));
        Assert.True(await crashed.ClaimReplyAsync("a", 1, now.AddMinutes(5), now, default));
        Assert.False(await crashed.ClaimReplyAsync("a", 1, now.AddMinutes(5), now.AddMinutes(1), default));

        await using (var restarted = await OpenAsync())
        {
            Assert.False(await restarted.ClaimReplyAsync("a", 1, now.AddMinutes(5), now.AddMinutes(2), default)); // from the journal
            Assert.True(await restarted.ClaimReplyAsync("a", 2, now.AddMinutes(5), now.AddMinutes(2), default));
            Assert.True(await restarted.ClaimReplyAsync("b", 1, now.AddMinutes(5), now.AddMinutes(2), default)); // another endpoint's event
        }

        await using var again = await OpenAsync();
        Assert.False(await again.ClaimReplyAsync("a", 2, now.AddMinutes(5), now.AddMinutes(3), default));       // folded at the clean stop
        Assert.True(await again.ClaimReplyAsync("a", 1, now.AddMinutes(11), now.AddMinutes(6), default));      // its window is over
        Assert.False(await again.ClaimReplyAsync("a", 1, now.AddMinutes(11), now.AddMinutes(7), default));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _crashed)
        {
            // The "crashed" stores fold on disposal: only once each test has looked at what a restart finds.
            await store.DisposeAsync();
        }
    }

    // xUnit calls this after DisposeAsync: the stores are closed before their folder goes.
    public void Dispose() => _temp.Dispose();

    /// <summary>A store that saved these batches and was never stopped, as a killed process leaves its files: it never folds.</summary>
    private async Task<JournaledWebhookStateStore> CrashedAfterAsync(params WebhookStateChange[] batches)
    {
        var store = await OpenAsync(foldDelay: Timeout.InfiniteTimeSpan);
        _crashed.Add(store);
        foreach (var batch in batches)
        {
            await store.SaveAsync([batch], default);
        }

        return store;
    }

    private async Task<JournaledWebhookStateStore> OpenAsync(string epoch = Epoch, TimeSpan? foldDelay = null)
    {
        var store = new JournaledWebhookStateStore(new SqliteWebhookStateStore(StatePath, NullLogger.Instance), NullLogger.Instance, foldDelay);
        await store.InitializeAsync(epoch, default);
        return store;
    }

    private static void AssertState(WebhookSavedState? state, long delivered, params long[] pending)
    {
        Assert.NotNull(state);
        Assert.Equal(delivered, state.Endpoint.Delivered);
        Assert.Equal(pending, state.Deliveries.Select(d => d.Seq));
    }

    private string[] Segments() => Directory.GetFiles(_temp.Path, "inbox-webhooks.changes.*");

    private long _cursor, _delivered;

    private WebhookStateChange Admit(params long[] seqs)
    {
        _cursor = seqs.Max();
        return new WebhookStateChange(Row(), Upserts: [.. seqs.Select(s => new WebhookDelivery(s, 0, DateTimeOffset.UnixEpoch, false, null))]);
    }

    private WebhookStateChange Delivered(long seq, long attemptId)
    {
        _delivered++;
        return new WebhookStateChange(Row(), Deletes: [seq],
            Attempt: new WebhookAttempt(attemptId, $"evt_{Epoch}_{seq}", seq, 1, DateTimeOffset.UnixEpoch.AddSeconds(seq), 3, 200, null, 0, "none"));
    }

    private WebhookEndpointRow Row() => new("a", _cursor, true, null, _delivered, 0, 0, 0, 0, null, null);
}
