using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Reflection;

namespace NymBridge.Api.Webhooks;

/// <summary>What one HTTP attempt gave.</summary>
/// <param name="Status">The HTTP status, or null when there was no answer (timeout, refused, TLS error).</param>
/// <param name="Error">Why the attempt failed, without URLs or bodies; null on 2xx.</param>
/// <param name="Body">The answer's body, read up to the reply limit (null when over it, or no answer).</param>
/// <param name="BodyTooLarge">The body was longer than the reply limit; <paramref name="ResponseBytes"/> is what was read.</param>
/// <param name="RetryAfter">From a 429 or 503's Retry-After.</param>
public sealed record WebhookResponse(
    int? Status, string? Error, byte[]? Body, bool BodyTooLarge, long ResponseBytes, string? ContentType, TimeSpan? RetryAfter, TimeSpan Duration)
{
    public bool Succeeded => Status is >= 200 and <= 299;
}

/// <summary>Posts one signed attempt (Standard Webhooks headers) and reads the answer within the endpoint's timeout.</summary>
/// <remarks>
/// Straight to the factory's handler (its pooled connections, rotated as the factory rotates them), not through an
/// <see cref="HttpClient"/>: a client links a second cancellation source into every request, for a timeout and a
/// <c>CancelPendingRequests</c> this sender never uses (its own deadline is the attempt's timeout), and a
/// handler's answer is already what <see cref="HttpCompletionOption.ResponseHeadersRead"/> gives: the body unread.
/// </remarks>
public sealed class WebhookSender(IHttpMessageHandlerFactory handlers, WebhookClock clock)
{
    public const string ClientName = "NymBridge.Webhooks";

    public static readonly string UserAgent = "NymBridge/" + Version();

    public async Task<WebhookResponse> PostAsync(
        Uri url, WebhookSignature signature, string webhookId, WebhookBody body, TimeSpan timeout, int maxBodyBytes, CancellationToken stopping)
    {
        var started = Stopwatch.GetTimestamp();
        var time = clock.Time;
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var bytes = body.Bytes;
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes.Array!, bytes.Offset, bytes.Count) };
        // Raw values, written as they are: nothing here needs parsing into header objects first.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", webhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", signature.Sign(webhookId, timestamp, bytes));
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);

        // One token for both the endpoint's timeout and the host's stop (a linked source would be a second one).
        using var deadline = new CancellationTokenSource(timeout, time);
        using var stop = stopping.UnsafeRegister(static d => ((CancellationTokenSource)d!).Cancel(), deadline);
        var answered = false;
        try
        {
            using var invoker = new HttpMessageInvoker(handlers.CreateHandler(ClientName), disposeHandler: false);
            using var response = await invoker.SendAsync(request, deadline.Token);
            var status = (int)response.StatusCode;
            var (read, tooLarge, length) = await ReadBodyAsync(response.Content, maxBodyBytes, deadline.Token);
            var error = status switch
            {
                >= 200 and <= 299 => null,
                >= 300 and <= 399 => $"HTTP {status}: redirects are not followed; configure the final URL",
                _ => $"HTTP {status}",
            };
            TimeSpan? retryAfter = status is 429 or 503 ? RetryAfter(response.Headers.RetryAfter) : null;
            answered = true;
            return new WebhookResponse(status, error, read, tooLarge, length, response.Content.Headers.ContentType?.MediaType, retryAfter,
                Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return Failure($"timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", started);
        }
        catch (HttpRequestException e)
        {
            // The message names the host and port; never the path or query, which may carry a token.
            return Failure(e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.NameResolutionError => "the host name did not resolve",
                HttpRequestError.SecureConnectionError => "TLS error",
                HttpRequestError.ResponseEnded => "the connection closed before the answer ended",
                _ => $"request failed ({e.HttpRequestError})",
            }, started);
        }
        finally
        {
            // Whatever ended the attempt early (a timeout, a refused connection, any other exception), the request
            // may still be reading the body.
            if (!answered)
            {
                body.Abandon();
            }
        }
    }

    private static WebhookResponse Failure(string error, long started) =>
        new(null, error, null, false, 0, null, null, Stopwatch.GetElapsedTime(started));

    private static async Task<(byte[]? Body, bool TooLarge, long Bytes)> ReadBodyAsync(HttpContent content, int max, CancellationToken cancellationToken)
    {
        // Most answers are empty (204, or 200 without a body): no buffers for them.
        if (content.Headers.ContentLength == 0)
        {
            return ([], false, 0);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            return await ReadAsync(stream, buffer, chunk, max, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static async Task<(byte[]? Body, bool TooLarge, long Bytes)> ReadAsync(Stream stream, MemoryStream buffer, byte[] chunk, int max, CancellationToken cancellationToken)
    {
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            total += n;
            if (total > max)
            {
                // Drain to count, up to a bound, without keeping it: the answer is not a reply anyway.
                while (total < 4L * max && (n = await stream.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    total += n;
                }

                return (null, true, total);
            }

            buffer.Write(chunk, 0, n);
        }

        return (buffer.ToArray(), false, total);
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - clock.Time.GetUtcNow() is { } d && d > TimeSpan.Zero ? d : TimeSpan.Zero,
        _ => null,
    };

    private static string Version()
    {
        var assembly = typeof(WebhookSender).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                      ?? assembly.GetName().Version?.ToString() ?? "0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
