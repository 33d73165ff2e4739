using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;
using NymBridge.Protocol;
using StackExchange.Redis;

namespace NymBridge.Api.Cluster;

/// <summary>
/// <c>Idempotency-Key</c> across instances: before the frame is written, <c>{name}:idem:&lt;sha256(key)&gt;</c> is set
/// with <c>NX PX</c> to a pending mark; the send's result replaces it when the send returns. Whoever finds the mark
/// instead of setting it gets the stored result, or 409 "outcome unknown" while the mark is pending — also for the rest
/// of the key's lifetime if its instance died mid-send, because then nobody knows whether the frame went out.
/// </summary>
/// <remarks>
/// Values: <c>P|&lt;fingerprint&gt;|&lt;token&gt;</c> pending, <c>D|&lt;fingerprint&gt;|&lt;SendResult JSON&gt;</c> done.
/// The raw key never reaches Redis (a key may be something a client considers private); the request is only a fingerprint.
/// </remarks>
public sealed partial class RedisIdempotencyStore : IIdempotencyStore
{
    // KEYS[1] the key's entry; ARGV[1] the pending mark, ARGV[2] lifetime ms. Returns the existing value, or false when set.
    private const string BeginScript = """
        local existing = redis.call('GET', KEYS[1])
        if existing then return existing end
        redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
        return false
        """;

    // Only the instance whose mark is still there may complete or forget it.
    private const string CompleteScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end
        return 0
        """;

    private const string ForgetScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly ClusterKeys _keys;
    private readonly ILogger _logger;

    public RedisIdempotencyStore(IConnectionMultiplexer redis, IOptions<ClusterOptions> options, ILogger<RedisIdempotencyStore> logger)
        : this(redis, options, logger, IdempotencyStore.Lifetime)
    {
    }

    internal RedisIdempotencyStore(IConnectionMultiplexer redis, IOptions<ClusterOptions> options, ILogger<RedisIdempotencyStore> logger, TimeSpan lifetime)
    {
        _redis = redis;
        _keys = new ClusterKeys(options.Value.Name);
        _logger = logger;
        Lifetime = lifetime;
    }

    public TimeSpan Lifetime { get; }

    public async Task<IdempotencyOutcome> RunAsync(string key, ClientRequest request, Func<Task<SendResult>> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var entry = (RedisKey)_keys.Idempotency(HashKey(key));
        var fingerprint = Convert.ToHexStringLower(RequestFingerprint.Compute(request));
        var pending = $"P|{fingerprint}|{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        var db = _redis.GetDatabase();
        var ttl = (long)Lifetime.TotalMilliseconds;

        RedisResult existing;
        try
        {
            existing = await db.ScriptEvaluateAsync(BeginScript, [entry], [pending, ttl]);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Nothing was written, so a 503 is true: the caller may retry with the same key.
            throw new NymUnavailableException("Redis cannot be reached to record the Idempotency-Key, so this was not sent; retry in a moment.", e)
            {
                RetryAfterSeconds = 1,
            };
        }

        if (!existing.IsNull)
        {
            return Interpret((string)existing!, fingerprint);
        }

        SendResult result;
        try
        {
            result = await send();
        }
        catch (NymUnavailableException e) when (e.MaybeSent)
        {
            // The frame may be out: the mark stays pending, so a retry under this key gets 409, never a second send.
            throw;
        }
        catch
        {
            await TryAsync(() => db.ScriptEvaluateAsync(ForgetScript, [entry], [pending]), "forget");
            throw;
        }

        var done = $"D|{fingerprint}|{JsonSerializer.Serialize(result)}";
        await TryAsync(() => db.ScriptEvaluateAsync(CompleteScript, [entry], [pending, done, ttl]), "complete");
        return IdempotencyOutcome.Sent(result);
    }

    private static IdempotencyOutcome Interpret(string value, string fingerprint)
    {
        var parts = value.Split('|', 3);
        if (parts.Length != 3 || parts[1] != fingerprint)
        {
            return IdempotencyOutcome.KeyConflict;
        }

        return parts[0] == "D" && JsonSerializer.Deserialize<SendResult>(parts[2]) is { } result
            ? IdempotencyOutcome.Replay(result)
            : IdempotencyOutcome.Unknown;
    }

    internal static string HashKey(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    // After the send the frame is out whatever Redis says (down, or the connection already disposed at shutdown): if the
    // mark cannot be completed it stays pending, and a retry gets 409 "outcome unknown", the truth from where it stands.
    private async Task TryAsync(Func<Task> step, string what)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.StepFailed(_logger, what, e.GetType().Name);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10001, LogLevel.Warning, "Could not {Step} an idempotency record in Redis ({Error}); its key answers 409 until it expires", EventName = "ClusterIdempotencyFailed")]
        public static partial void StepFailed(ILogger logger, string step, string error);
    }
}
