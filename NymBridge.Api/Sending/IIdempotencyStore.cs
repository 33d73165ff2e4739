using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary>
/// <c>Idempotency-Key</c> on sends, one process or many: <see cref="IdempotencyStore"/> in one process,
/// <c>Cluster/RedisIdempotencyStore</c> across the instances of a cluster.
/// </summary>
/// <remarks>
/// Invariants: the <c>send</c> runs at most once per key within the key's lifetime, across every instance that
/// shares the store; a send that throws sent nothing (the dispatcher's contract), so its key is forgotten and a retry
/// sends; only a completed send's result is replayed.
/// </remarks>
public interface IIdempotencyStore
{
    Task<IdempotencyOutcome> RunAsync(string key, ClientRequest request, Func<Task<SendResult>> send);
}

/// <summary>
/// What became of a send under a key: sent now, replayed (<see cref="Replayed"/>), refused because the key was used for a
/// different request (<see cref="Conflict"/>: 422), or refused because a send under this key began and never reported back
/// (<see cref="OutcomeUnknown"/>: 409 — still in flight elsewhere, or its instance died mid-send; never sent again).
/// </summary>
public readonly record struct IdempotencyOutcome(SendResult? Result, bool Replayed, bool Conflict, bool OutcomeUnknown)
{
    public static IdempotencyOutcome Sent(SendResult result) => new(result, false, false, false);
    public static IdempotencyOutcome Replay(SendResult result) => new(result, true, false, false);
    public static readonly IdempotencyOutcome KeyConflict = new(null, false, true, false);
    public static readonly IdempotencyOutcome Unknown = new(null, false, false, true);
}
