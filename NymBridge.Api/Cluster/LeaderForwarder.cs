using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NymBridge.Api.Connections;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Cluster;

/// <summary>
/// A follower's send path: the frame, encoded here exactly as the leader would write it, goes to the leader's
/// <c>{Cluster:AdvertisedUrl}/internal/cluster/frames</c> (<c>?lane=n</c> for a lane send) with <c>X-NymBridge-Internal-Key</c>;
/// the leader writes it to nym-client and answers 204, or 200 with the lane's queue length.
/// </summary>
/// <remarks>
/// <para>
/// Two failures, told apart because a retry is only safe after the first: <em>not sent</em> (no leader, the leader
/// cannot be reached, or it refused: not the leader, not connected) is retried once on the leader read anew from Redis
/// when that is another instance or term, else a <see cref="NymUnavailableException"/>; <em>no answer</em> (the request
/// reached the leader, the answer did not come back) is a <see cref="NymUnavailableException"/> with
/// <see cref="NymUnavailableException.MaybeSent"/>, never retried: the frame may be out.
/// </para>
/// <para>
/// The client has no loggers (IHttpClientFactory logs full URLs) and follows no redirects. Nothing here logs a
/// frame, an address or a key.
/// </para>
/// </remarks>
public sealed partial class LeaderForwarder(
    IHttpClientFactory clients, ILeaderLocator leaders, IOptions<ClusterOptions> options, IOptions<NymOptions> nym, ILogger<LeaderForwarder> logger)
{
    public const string ClientName = "NymBridge.Cluster.Forward";
    public const string FramesPath = "/internal/cluster/frames";
    public const int MaxResponseBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly string _instanceId = options.Value.InstanceId ?? "";

    /// <summary>A new leader appears within about a lease after the old one vanished; a quarter of it is a fair retry step.</summary>
    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling(options.Value.LeaseTime.TotalSeconds / 4));

    /// <summary>
    /// How long a forward may take in all: the leader waits up to <c>Nym:ResponseTimeout</c> for the write and as long
    /// again for a lane's answer; the rest is room to carry a large frame.
    /// </summary>
    public TimeSpan Timeout { get; } = (2 * nym.Value.ResponseTimeout) + TimeSpan.FromSeconds(5);

    /// <summary>Has the leader write <paramref name="frame"/>; with <paramref name="lane"/>, waits for that lane's queue length.</summary>
    /// <returns>The lane's answer, or null for a send without lane.</returns>
    /// <exception cref="NymUnavailableException">Not sent (retry freely), or <see cref="NymUnavailableException.MaybeSent"/>.</exception>
    public async Task<LaneQueueLengthResponse?> ForwardAsync(ReadOnlyMemory<byte> frame, ulong? lane, CancellationToken cancellationToken)
    {
        var leader = leaders.Leader ?? await TryRefreshAsync();
        if (leader is null || leader.InstanceId == _instanceId)
        {
            throw NotSent($"No instance holds the nym-client connection right now; retry after {RetryAfterSeconds} s.", RetryAfterSeconds);
        }

        var attempt = await TrySendAsync(leader, frame, lane, cancellationToken);
        if (attempt.Refusal is not null
            && await TryRefreshAsync() is { } newer && newer.InstanceId != _instanceId && (newer.InstanceId != leader.InstanceId || newer.Term != leader.Term))
        {
            // Not sent, and the lease moved on since the cache was read: the new leader gets one try.
            attempt = await TrySendAsync(newer, frame, lane, cancellationToken);
        }

        return (attempt.Refusal ?? attempt.Failure) is { } error ? throw error : attempt.Answer;
    }

    private async Task<Attempt> TrySendAsync(LeaderInfo leader, ReadOnlyMemory<byte> frame, ulong? lane, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Target(leader.Url, lane))
        {
            Content = new ReadOnlyMemoryContent(frame) { Headers = { ContentType = OctetStream } },
        };
        request.Headers.TryAddWithoutValidation(InternalKeyCheck.HeaderName, options.Value.InternalKey);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            Log.Unreachable(logger, leader.InstanceId, e.HttpRequestError);
            return Attempt.Refused(NotSent(
                $"No instance holds the nym-client connection right now (the leader {leader.InstanceId} cannot be reached); retry after {RetryAfterSeconds} s.", RetryAfterSeconds));
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.NoAnswer(logger, leader.InstanceId, e.GetType().Name);
            return Attempt.Unanswered(MaybeSent(leader));
        }

        using (response)
        {
            byte[] body;
            try
            {
                body = await ReadBodyAsync(response.Content, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.NoAnswer(logger, leader.InstanceId, e.GetType().Name);
                return Attempt.Unanswered(MaybeSent(leader));
            }

            return Interpret(leader, response, body, lane);
        }
    }

    private Attempt Interpret(LeaderInfo leader, HttpResponseMessage response, byte[] body, ulong? lane)
    {
        var status = (int)response.StatusCode;
        switch (response.StatusCode)
        {
            case >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices:
                if (lane is null)
                {
                    return Attempt.Done(null);
                }

                if (TryReadLane(body) is { } answer)
                {
                    return Attempt.Done(new LaneQueueLengthResponse(answer.Lane, answer.QueueLength));
                }

                // Written, but the lane's answer did not come back readable: as good as no answer.
                Log.NoAnswer(logger, leader.InstanceId, $"HTTP {status} without a lane answer");
                return Attempt.Unanswered(MaybeSent(leader));
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                Log.KeyRefused(logger, leader.InstanceId, status);
                return Attempt.Refused(NotSent(
                    $"The leader {leader.InstanceId} refused this instance's Cluster:InternalKey, so this was not sent: every instance needs the same key.", RetryAfterSeconds));
            case >= HttpStatusCode.InternalServerError and not HttpStatusCode.ServiceUnavailable:
                // It failed somewhere between reading the frame and answering: the frame may be out.
                Log.NoAnswer(logger, leader.InstanceId, $"HTTP {status}");
                return Attempt.Unanswered(MaybeSent(leader));
            default:
                // 503 (not the leader, not connected, queue full) and anything else it refused: nothing was written.
                var seconds = RetryAfter(response.Headers.RetryAfter) ?? RetryAfterSeconds;
                var detail = status == StatusCodes.Status503ServiceUnavailable && ProblemDetail(body) is { } said
                    ? said
                    : $"The leader {leader.InstanceId} refused the forwarded frame (HTTP {status}), so this was not sent; are all instances the same version?";
                return Attempt.Refused(NotSent(detail, seconds));
        }
    }

    private static NymUnavailableException NotSent(string detail, int retryAfterSeconds) => new(detail) { RetryAfterSeconds = retryAfterSeconds };

    private NymUnavailableException MaybeSent(LeaderInfo leader) =>
        new($"The leader {leader.InstanceId} took the request but did not answer, so it may have been sent. " +
            $"Retry after {RetryAfterSeconds} s with the same Idempotency-Key to have it sent at most once.")
        {
            RetryAfterSeconds = RetryAfterSeconds,
            MaybeSent = true,
        };

    private async Task<LeaderInfo?> TryRefreshAsync()
    {
        try
        {
            return await leaders.RefreshLeaderAsync().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or ObjectDisposedException)
        {
            return null;
        }
    }

    private static Uri Target(Uri advertised, ulong? lane)
    {
        // An advertised URL may carry a path base (http://host/bridge): the endpoint goes after it.
        var root = advertised.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var query = lane is { } n ? "?lane=" + n.ToString(CultureInfo.InvariantCulture) : "";
        return new Uri(root + FramesPath + query, UriKind.Absolute);
    }

    private static int? RetryAfter(RetryConditionHeaderValue? value) =>
        value?.Delta is { } delta ? Math.Max(1, (int)Math.Ceiling(delta.TotalSeconds)) : null;

    private static LaneQueueLength? TryReadLane(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<LaneQueueLength>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ProblemDetail(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<ProblemDetails>(body, Json)?.Detail is { Length: > 0 } detail ? detail : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw new IOException($"The leader's answer is over {MaxResponseBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>One try at one leader: answered, refused (not sent), or unanswered (maybe sent).</summary>
    private readonly record struct Attempt(LaneQueueLengthResponse? Answer, NymUnavailableException? Refusal, NymUnavailableException? Failure)
    {
        public static Attempt Done(LaneQueueLengthResponse? answer) => new(answer, null, null);
        public static Attempt Refused(NymUnavailableException error) => new(null, error, null);
        public static Attempt Unanswered(NymUnavailableException error) => new(null, null, error);
    }

    private static partial class Log
    {
        [LoggerMessage(11001, LogLevel.Warning, "Could not reach the leader {Leader} to forward a send ({Error})", EventName = "ClusterLeaderUnreachable")]
        public static partial void Unreachable(ILogger logger, string leader, HttpRequestError error);

        [LoggerMessage(11002, LogLevel.Warning, "The leader {Leader} did not answer a forwarded send ({Error}); it may have been sent", EventName = "ClusterLeaderNoAnswer")]
        public static partial void NoAnswer(ILogger logger, string leader, string error);

        [LoggerMessage(11003, LogLevel.Error, "The leader {Leader} refused this instance's Cluster:InternalKey (HTTP {Status}): every instance needs the same key", EventName = "ClusterInternalKeyRefused")]
        public static partial void KeyRefused(ILogger logger, string leader, int status);
    }
}
