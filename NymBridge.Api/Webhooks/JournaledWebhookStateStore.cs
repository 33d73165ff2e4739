namespace NymBridge.Api.Webhooks;

/// <summary>
/// Puts an append-only journal (<see cref="WebhookStateJournal"/>) in front of the SQLite state: a save is one
/// <c>pwrite(2)</c>, and a background fold applies what was saved to SQLite in large batches.
/// </summary>
/// <remarks>
/// <para>
/// Why: a delivery holds its slot until its outcome is saved (that is what bounds what a <c>kill -9</c> sends
/// again to <c>Concurrency</c>), and a SQLite transaction per save, ~0.2 ms and ~7 <c>pwrite</c>s serialized on
/// one connection, halved the deliveries per second (bench/NOTES.md, 7a). A journal record is as durable as
/// that commit was (both survive a killed process, not an OS crash), at a few microseconds.
/// </para>
/// <para>
/// Replaying is safe because the folded store applies a change idempotently: each change carries the whole
/// endpoint row, deliveries are replaced or removed by seq, and attempts are written by id. So after a crash
/// the segments that remain — always the newest ones: a fold removes its segments oldest first and stops at
/// the first it cannot remove — are applied again in order, whatever part of them was folded already.
/// </para>
/// <para>
/// Reads (<see cref="LoadAsync"/>, <see cref="ReadAttemptsAsync"/>) fold first, so they see every save.
/// Reply claims are journaled too (a claim is on every reply's way, before its Reply frame): they are checked
/// against the claims held in memory, loaded from SQLite at the start, and expired ones leave both.
/// </para>
/// </remarks>
public sealed partial class JournaledWebhookStateStore : IWebhookStateStore
{
    private static readonly TimeSpan FirstFoldRetry = TimeSpan.FromMilliseconds(250), LastFoldRetry = TimeSpan.FromSeconds(5);

    private readonly SqliteWebhookStateStore _folded;
    private readonly string _directory;
    private readonly string _prefix;
    private readonly TimeSpan _foldDelay;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _folding = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Unfolded> _unfolded = [];
    private readonly Dictionary<string, Claims> _claims = new(StringComparer.Ordinal);
    private List<WebhookStateChange> _pending = [];
    private List<WebhookReplyClaim> _pendingClaims = [];
    private DateTimeOffset? _lastClaimAt;
    private WebhookStateJournal? _journal;
    private Task _folder = Task.CompletedTask;
    private bool _disposed;

    /// <summary>What one fold took: the saves and claims of one segment.</summary>
    private sealed record Unfolded(IReadOnlyList<WebhookStateChange> Changes, IReadOnlyList<WebhookReplyClaim> Claims, string Segment);

    /// <summary>An endpoint's claims by seq, and the same in the order they expire (reply windows end in the order events came).</summary>
    private sealed class Claims
    {
        public Dictionary<long, DateTimeOffset> BySeq { get; } = [];
        public Queue<(long Seq, DateTimeOffset ExpiresAt)> ByExpiry { get; } = new();

        public void Add(long seq, DateTimeOffset expiresAt)
        {
            BySeq[seq] = expiresAt;
            ByExpiry.Enqueue((seq, expiresAt));
        }

        /// <summary>Forgets the claims expired at <paramref name="now"/>, soonest first, stopping at the first that has not.</summary>
        public void Expire(DateTimeOffset now)
        {
            while (ByExpiry.TryPeek(out var oldest) && oldest.ExpiresAt < now)
            {
                ByExpiry.Dequeue();
                // A claim renewed since (claimed again after it had expired) stays.
                if (BySeq.TryGetValue(oldest.Seq, out var current) && current == oldest.ExpiresAt)
                {
                    BySeq.Remove(oldest.Seq);
                }
            }
        }
    }

    /// <param name="folded">Where the state lives once folded.</param>
    /// <param name="foldDelay">How long a fold waits after the first unfolded save, so that it folds many at once.</param>
    public JournaledWebhookStateStore(SqliteWebhookStateStore folded, ILogger logger, TimeSpan? foldDelay = null)
    {
        ArgumentNullException.ThrowIfNull(folded);
        _folded = folded;
        _directory = Path.GetDirectoryName(folded.FilePath)!;
        _prefix = WebhookStateJournal.PrefixFor(folded.FilePath);
        _logger = logger;
        _foldDelay = foldDelay ?? TimeSpan.FromMilliseconds(200);
    }

    /// <summary>Opens the folded store, folds what a previous run left in the journal, and starts a new segment.</summary>
    public async Task InitializeAsync(string epoch, CancellationToken cancellationToken)
    {
        await _folding.WaitAsync(cancellationToken);
        try
        {
            if (_journal is not null)
            {
                return;
            }

            await _folded.InitializeAsync(epoch, cancellationToken);
            var left = WebhookStateJournal.Segments(_directory, _prefix);
            var records = WebhookStateJournal.Read(left, epoch);
            if (records.Count > 0)
            {
                await _folded.SaveAsync(
                    [.. records.SelectMany(r => r.Changes ?? [])], [.. records.Where(r => r.Claim is not null).Select(r => r.Claim!)], null, cancellationToken);
                Log.Replayed(_logger, records.Count, left.Count);
            }

            foreach (var segment in left)
            {
                File.Delete(segment);
            }

            foreach (var claim in await _folded.ReadClaimsAsync(cancellationToken))
            {
                ClaimsOf(claim.Endpoint).Add(claim.Seq, claim.ExpiresAt);
            }

            _journal = WebhookStateJournal.Open(_directory, _prefix, epoch, left);
            _folder = Task.Run(FoldLoopAsync, CancellationToken.None);
        }
        finally
        {
            _folding.Release();
        }
    }

    public async Task<WebhookSavedState?> LoadAsync(string endpoint, CancellationToken cancellationToken)
    {
        await FoldAsync(cancellationToken);
        return await _folded.LoadAsync(endpoint, cancellationToken);
    }

    /// <summary>Appends the batch to the journal (one write); the fold applies it to the folded store later.</summary>
    public Task SaveAsync(IReadOnlyList<WebhookStateChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        bool wake;
        lock (_lock)
        {
            Ready().Append(changes);
            wake = NothingPending;
            _pending.AddRange(changes);
        }

        if (wake)
        {
            Wake();
        }

        return Task.CompletedTask;
    }

    /// <summary>True when no claim of this event holds at <paramref name="now"/>; the claim is journaled (one write) before this returns.</summary>
    public Task<bool> ClaimReplyAsync(string endpoint, long seq, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        bool wake;
        lock (_lock)
        {
            var journal = Ready();
            var claims = ClaimsOf(endpoint);
            claims.Expire(now);
            if (claims.BySeq.TryGetValue(seq, out var until) && until >= now)
            {
                return Task.FromResult(false);
            }

            var claim = new WebhookReplyClaim(endpoint, seq, expiresAt);
            journal.Append(claim);
            claims.Add(seq, expiresAt);
            wake = NothingPending;
            _pendingClaims.Add(claim);
            _lastClaimAt = _lastClaimAt is { } last && last > now ? last : now;
        }

        if (wake)
        {
            Wake();
        }

        return Task.FromResult(true);
    }

    public async Task<IReadOnlyList<WebhookAttempt>> ReadAttemptsAsync(string endpoint, long afterId, int max, CancellationToken cancellationToken)
    {
        await FoldAsync(cancellationToken);
        return await _folded.ReadAttemptsAsync(endpoint, afterId, max, cancellationToken);
    }

    /// <summary>Stops the fold loop, folds what is left (a clean stop leaves no segment behind) and closes both.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync();
        await _folder;
        try
        {
            await FoldAsync(CancellationToken.None);
            lock (_lock)
            {
                if (_journal is not null && _unfolded.Count == 0 && NothingPending)
                {
                    var last = _journal.CurrentSegment;
                    _journal.Dispose();
                    _journal = null;
                    File.Delete(last);
                }
            }
        }
#pragma warning disable CA1031 // Stopping goes on: the segments stay and the next start folds them.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.FoldFailed(_logger, e);
        }

        lock (_lock)
        {
            _journal?.Dispose();
            _journal = null;
        }

        await _folded.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>Folds soon after a save finds nothing pending, and keeps retrying a fold that failed: the journal holds its changes meanwhile.</summary>
    private async Task FoldLoopAsync()
    {
        var retryIn = FirstFoldRetry;
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(token);
                await Task.Delay(_foldDelay, token);
                await FoldAsync(token);
                retryIn = FirstFoldRetry;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever the folded store threw (disk full, locked file), the changes stay in the journal and the fold is retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.FoldFailed(_logger, e);
                await Task.Delay(retryIn, token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                retryIn = retryIn * 2 < LastFoldRetry ? retryIn * 2 : LastFoldRetry;
                Wake();
            }
        }
    }

    /// <summary>
    /// Applies every save so far to the folded store, in order, and removes their segments. What a failed fold
    /// took stays first in line for the next one (with its segments), so the order of changes never changes.
    /// </summary>
    private async Task FoldAsync(CancellationToken cancellationToken)
    {
        await _folding.WaitAsync(cancellationToken);
        try
        {
            DateTimeOffset? expiredBefore;
            lock (_lock)
            {
                if (!NothingPending && _journal is not null)
                {
                    var ended = _journal.Rotate();
                    _unfolded.Add(new Unfolded(_pending, _pendingClaims, ended));
                    _pending = [];
                    _pendingClaims = [];
                }

                expiredBefore = _lastClaimAt;
            }

            if (_unfolded.Count == 0)
            {
                return;
            }

            var (changes, claims) = _unfolded.Count == 1
                ? (_unfolded[0].Changes, _unfolded[0].Claims)
                : ([.. _unfolded.SelectMany(u => u.Changes)], [.. _unfolded.SelectMany(u => u.Claims)]);
            await _folded.SaveAsync(changes, claims, expiredBefore, CancellationToken.None);
            while (_unfolded.Count > 0)
            {
                File.Delete(_unfolded[0].Segment);
                _unfolded.RemoveAt(0);
            }
        }
        finally
        {
            _folding.Release();
        }
    }

    /// <summary>Under the lock: no save or claim waits for a fold.</summary>
    private bool NothingPending => _pending.Count == 0 && _pendingClaims.Count == 0;

    /// <summary>Under the lock: the journal to append to.</summary>
    private WebhookStateJournal Ready()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _journal ?? throw new InvalidOperationException("The webhook state store is not initialized.");
    }

    private Claims ClaimsOf(string endpoint)
    {
        if (!_claims.TryGetValue(endpoint, out var claims))
        {
            _claims[endpoint] = claims = new Claims();
        }

        return claims;
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: the fold it starts takes this save too.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(25001, LogLevel.Information, "Webhook state: folded {Records} saved records left in {Segments} journal segments by the previous run", EventName = "WebhookJournalReplayed")]
        public static partial void Replayed(ILogger logger, int records, int segments);

        [LoggerMessage(25002, LogLevel.Warning, "Webhook state: folding the journal into SQLite failed; its changes stay in the journal and the fold is retried", EventName = "WebhookJournalFoldFailed")]
        public static partial void FoldFailed(ILogger logger, Exception exception);
    }
}
