using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using NymBridge.Api.Inbox;
using NymBridge.Api.Nym;
using NymBridge.Api.Sending;
using NymBridge.Protocol;

namespace NymBridge.Api.Webhooks;

/// <summary>
/// Turns a successful delivery's answer into an anonymous reply to the sender, at most once per event,
/// and says what it did, for the attempt log: <c>sent</c>, <c>none</c>, <c>refused: &lt;reason&gt;</c> or <c>late</c>.
/// </summary>
public sealed class WebhookReplier(SendRequestParser parser, INymConnection nym, IOptions<BridgeOptions> bridge)
{
    public const string Sent = "sent", None = "none", Late = "late", RefusedPrefix = "refused: ";

    private static readonly TimeSpan ReconnectCheck = TimeSpan.FromSeconds(1);

    /// <summary>How much of an answer to read: a JSON reply may be twice the payload limit plus 64 KiB, as for POST /reply.</summary>
    public int MaxAnswerBytes => (int)Math.Min(int.MaxValue, 2L * bridge.Value.MaxMessageBytes + 64 * 1024);

    public async Task<string> ReplyAsync(
        string endpoint, WebhookEndpointOptions options, InboxEvent e, WebhookResponse answer,
        IWebhookStateStore store, TimeProvider time, CancellationToken stopping)
    {
        // 202: the handler will answer later itself, with POST /reply; 204 and empty bodies: nothing to say.
        if (!options.Replies || e.Type != InboxEventType.Received || answer.Status is 202 or 204 || (answer.ResponseBytes == 0 && !answer.BodyTooLarge))
        {
            return None;
        }

        if (e.SenderTag is not { } tag)
        {
            return Refused("the message has no sender tag (its sender attached no reply SURBs)");
        }

        var windowEnd = e.ReceivedAt + options.ReplyWindow;
        if (time.GetUtcNow() > windowEnd)
        {
            return Late;
        }

        var max = bridge.Value.MaxMessageBytes;
        if (answer.BodyTooLarge || answer.Body is null)
        {
            return Refused($"the body is over {MaxAnswerBytes} bytes; replies are limited to {max} bytes (Bridge:MaxMessageBytes)");
        }

        var (request, refusal) = ToRequest(tag, answer.ContentType, answer.Body, max);
        if (request is null)
        {
            return Refused(refusal!);
        }

        // Recorded before the frame is written: a later attempt of this event (a retry after our timeout,
        // a redelivery, a restart after a crash) finds the claim and never sends a second reply.
        if (!await store.ClaimReplyAsync(endpoint, e.Seq, windowEnd, time.GetUtcNow(), stopping))
        {
            return Refused("a reply for this webhook-id was already sent");
        }

        while (true)
        {
            var status = nym.NextStatusChange;
            try
            {
                await nym.SendMessageAsync(request, stopping);
                return Sent;
            }
            catch (NymUnavailableException)
            {
                var remaining = windowEnd - time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    return Late;
                }

                // Woken by the reconnect; checked now and then in case the wait outlives the window.
                await status.WaitAsync(remaining < ReconnectCheck ? remaining : ReconnectCheck, time, stopping)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                stopping.ThrowIfCancellationRequested();
            }
        }
    }

    private (MessageRequest? Request, string? Refusal) ToRequest(SenderTag tag, string? contentType, byte[] body, int max)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value : null;
        if (mediaType is null)
        {
            return (null, "the answer has no Content-Type; use application/octet-stream, text/* or application/json");
        }

        if (mediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase) || mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            return body.Length > max
                ? (null, $"the payload is {body.Length} bytes; the limit is {max} (Bridge:MaxMessageBytes)")
                : (new ReplyRequest(tag, body, null), null);
        }

        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            var parse = parser.ParseReplyJson(body, tag);
            return parse.Request is { } request ? (request, null) : (null, parse.Problem?.ProblemDetails.Detail ?? "the JSON answer is not a valid reply");
        }

        return (null, $"Content-Type '{mediaType}' is not a reply; use application/octet-stream, text/* or application/json");
    }

    private static string Refused(string reason) => RefusedPrefix + reason;
}
