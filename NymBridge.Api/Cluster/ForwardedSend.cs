namespace NymBridge.Api.Cluster;

/// <summary>A send request as the follower received it, its body already read (and validated: 400s are answered locally).</summary>
public sealed record ForwardedSend(string Method, string PathAndQuery, ReadOnlyMemory<byte> Body, string? ContentType, string? IdempotencyKey);

/// <summary>The leader's answer, to be copied back to the caller as it is.</summary>
public sealed record LeaderResponse(int StatusCode, string? ContentType, string? RetryAfter, bool Replayed, byte[] Body);

/// <summary>
/// What became of a forward: the leader's <see cref="Response"/>, or no answer — then the caller answers 503 with
/// <see cref="RetryAfterSeconds"/>. <see cref="MaybeSent"/> is true when the request reached the leader but its answer
/// did not come back: the send may have happened, and only a retry with the same Idempotency-Key is safe.
/// </summary>
public sealed record ForwardResult(LeaderResponse? Response, int RetryAfterSeconds, bool MaybeSent, string? Detail)
{
    public static ForwardResult Answered(LeaderResponse response) => new(response, 0, false, null);
}
