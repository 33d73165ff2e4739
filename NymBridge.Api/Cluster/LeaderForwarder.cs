using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Cluster;

/// <summary>
/// A follower's send path: the request goes over HTTP to the leader's <c>Cluster:AdvertisedUrl</c>, which holds the
/// nym-client socket, with <c>X-NymBridge-Internal-Key</c>; the leader's status, content type, Retry-After and body
/// come back verbatim. No leader, or a leader that cannot be reached, is a 503 with Retry-After for the caller.
/// </summary>
/// <remarks>
/// The client has no loggers (IHttpClientFactory logs full URLs, and a raw-bytes send carries the recipient's Nym
/// address in its query) and follows no redirects. Nothing here logs a body, a query or a key.
/// </remarks>
public sealed partial class LeaderForwarder(IHttpClientFactory clients, ILeaderLocator leaders, IOptions<ClusterOptions> options, ILogger<LeaderForwarder> logger)
{
    public const string ClientName = "NymBridge.Cluster.Forward";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const int MaxResponseBytes = 1024 * 1024;

    /// <summary>How long a forward may take in all; a send answers once its frame is written, so this is generous.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _instanceId = options.Value.InstanceId ?? "";

    /// <summary>A new leader appears within about a lease after the old one vanished; a quarter of it is a fair retry step.</summary>
    public int RetryAfterSeconds { get; } = Math.Max(1, (int)Math.Ceiling(options.Value.LeaseTime.TotalSeconds / 4));

    public async Task<ForwardResult> ForwardAsync(ForwardedSend send, CancellationToken cancellationToken)
    {
        var leader = leaders.Leader ?? await TryRefreshAsync();
        if (leader is null || leader.InstanceId == _instanceId)
        {
            return NoLeader();
        }

        var result = await TrySendAsync(leader, send, cancellationToken);
        if (result.Response is null && !result.MaybeSent)
        {
            // Not sent: if the lease moved on since the cache was read, the new leader gets one try.
            if (await TryRefreshAsync() is { } newer && newer.InstanceId != _instanceId && (newer.InstanceId != leader.InstanceId || newer.Term != leader.Term))
            {
                result = await TrySendAsync(newer, send, cancellationToken);
            }
        }

        return result;
    }

    private async Task<ForwardResult> TrySendAsync(LeaderInfo leader, ForwardedSend send, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(send.Method), Target(leader.Url, send.PathAndQuery))
        {
            Content = new ReadOnlyMemoryContent(send.Body),
        };
        if (send.ContentType is { Length: > 0 } contentType)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (send.IdempotencyKey is { Length: > 0 } key)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        request.Headers.TryAddWithoutValidation(InternalKeyCheck.HeaderName, options.Value.InternalKey);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var client = clients.CreateClient(ClientName);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            Log.Unreachable(logger, leader.InstanceId, e.HttpRequestError);
            return Unreachable(leader);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Log.NoAnswer(logger, leader.InstanceId, e.GetType().Name);
            return MaybeSent(leader);
        }

        using (response)
        {
            try
            {
                var body = await ReadBodyAsync(response.Content, timeout.Token);
                return ForwardResult.Answered(new LeaderResponse(
                    (int)response.StatusCode,
                    response.Content.Headers.ContentType?.ToString(),
                    RetryAfter(response.Headers.RetryAfter),
                    response.Headers.TryGetValues(ReplayedHeader, out var replayed) && replayed.Contains("true", StringComparer.OrdinalIgnoreCase),
                    body));
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.NoAnswer(logger, leader.InstanceId, e.GetType().Name);
                return MaybeSent(leader);
            }
        }
    }

    private ForwardResult NoLeader() =>
        new(null, RetryAfterSeconds, false, $"No instance holds the nym-client connection right now; retry after {RetryAfterSeconds} s.");

    private ForwardResult Unreachable(LeaderInfo leader) =>
        new(null, RetryAfterSeconds, false, $"No instance holds the nym-client connection right now (the leader {leader.InstanceId} cannot be reached); retry after {RetryAfterSeconds} s.");

    private ForwardResult MaybeSent(LeaderInfo leader) =>
        new(null, RetryAfterSeconds, true,
            $"The leader {leader.InstanceId} took the request but did not answer, so it may have been sent. Retry after {RetryAfterSeconds} s with the same Idempotency-Key to have it sent at most once.");

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

    private static Uri Target(Uri advertised, string pathAndQuery)
    {
        // An advertised URL may carry a path base (http://host/bridge): the request path goes after it.
        var root = advertised.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(root + (pathAndQuery.StartsWith('/') ? pathAndQuery : "/" + pathAndQuery), UriKind.Absolute);
    }

    private static string? RetryAfter(RetryConditionHeaderValue? value) =>
        value?.Delta is { } delta ? ((long)delta.TotalSeconds).ToString(CultureInfo.InvariantCulture) : value?.Date?.ToString("R", CultureInfo.InvariantCulture);

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

    private static partial class Log
    {
        [LoggerMessage(11001, LogLevel.Warning, "Could not reach the leader {Leader} to forward a send ({Error})", EventName = "ClusterLeaderUnreachable")]
        public static partial void Unreachable(ILogger logger, string leader, HttpRequestError error);

        [LoggerMessage(11002, LogLevel.Warning, "The leader {Leader} did not answer a forwarded send ({Error}); it may have been sent", EventName = "ClusterLeaderNoAnswer")]
        public static partial void NoAnswer(ILogger logger, string leader, string error);
    }
}
