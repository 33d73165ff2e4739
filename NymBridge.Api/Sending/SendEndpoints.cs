using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Api.Metrics;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Sending;

/// <summary><c>POST /send</c>, <c>/send-anonymous</c>, <c>/reply</c>: one frame to nym-client each.</summary>
public static class SendEndpoints
{
    public static RouteGroupBuilder MapSending(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Sending");

        group.MapPost("/send", (HttpContext http, SendRequestParser parser, INymConnection nym, IdempotencyStore idempotency, BridgeMetrics metrics) => SendAsync(http, parser, nym, idempotency, metrics, SendKind.Send))
            .WithName("Send")
            .WithSummary("Send a message to a Nym address")
            .WithDescription("Sends the payload to the recipient through the mixnet. The recipient learns nothing about the sender and cannot reply. " +
                             "Returns once the frame is written to nym-client (nym-client does not acknowledge delivery). " +
                             "JSON: exactly one of message (text or any JSON value) and messageBase64 (bytes). " +
                             "Raw bytes: Content-Type application/octet-stream, payload as the body, recipient and connectionId in the query string.")
            .AcceptsSendBody<SendBody>(SendExamples.Send);

        group.MapPost("/send-anonymous", (HttpContext http, SendRequestParser parser, INymConnection nym, IdempotencyStore idempotency, BridgeMetrics metrics) => SendAsync(http, parser, nym, idempotency, metrics, SendKind.SendAnonymous))
            .WithName("SendAnonymous")
            .WithSummary("Send a message with reply SURBs")
            .WithDescription("Like /send, but attaches replySurbs single-use reply blocks (default 20, up to Nym:MaxReplySurbs), so the recipient can " +
                             "answer through /reply with the senderTag it receives, without learning your address. " +
                             "Raw bytes: application/octet-stream with recipient, replySurbs and connectionId in the query string.")
            .AcceptsSendBody<SendAnonymousBody>(SendExamples.SendAnonymous);

        group.MapPost("/reply", (HttpContext http, SendRequestParser parser, INymConnection nym, IdempotencyStore idempotency, BridgeMetrics metrics) => SendAsync(http, parser, nym, idempotency, metrics, SendKind.Reply))
            .WithName("Reply")
            .WithSummary("Reply to an anonymous sender")
            .WithDescription("Answers the sender of a received message that carried a senderTag, using the reply SURBs they attached. " +
                             "Raw bytes: application/octet-stream with senderTag and connectionId in the query string.")
            .AcceptsSendBody<ReplyBody>(SendExamples.Reply);

        return group;
    }

    public const string IdempotencyHeader = "Idempotency-Key";

    private static async Task<Results<Accepted<SendResult>, Ok<SendResult>, ProblemHttpResult>> SendAsync(
        HttpContext http, SendRequestParser parser, INymConnection nym, IdempotencyStore idempotency, BridgeMetrics metrics, SendKind kind)
    {
        var key = http.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 0 && !IdempotencyStore.IsValidKey(key))
        {
            metrics.SendRejected(kind);
            return Problems.Validation(IdempotencyHeader, $"{IdempotencyHeader} must be 1 to {IdempotencyStore.MaxKeyLength} visible ASCII characters, e.g. a UUID.");
        }

        var parsed = await parser.ParseAsync(http.Request, kind, http.RequestAborted);
        if (parsed.Problem is { } problem)
        {
            metrics.SendRejected(kind);
            return problem;
        }

        try
        {
            SendResult result;
            var replayed = false;
            if (key.Length == 0)
            {
                result = await nym.DispatchAsync(parsed.Request!, http.RequestAborted);
            }
            else
            {
                // Not the caller's token: a retry that joins this send must get its result even if the first caller hangs up.
                var outcome = await idempotency.RunAsync(key, parsed.Request!, () => nym.DispatchAsync(parsed.Request!, CancellationToken.None));
                if (outcome.Conflict)
                {
                    metrics.SendRejected(kind);
                    return TypedResults.Problem(
                        $"This {IdempotencyHeader} was used in the last {IdempotencyStore.Lifetime.TotalMinutes:0} minutes for a different request. Use a new key for a new message.",
                        statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused.");
                }

                if (outcome.Replayed)
                {
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                }

                replayed = outcome.Replayed;
                result = outcome.Result!;
            }

            metrics.SendAccepted(kind, replayed ? 0 : result.Bytes);

            return result.Lane is null ? TypedResults.Accepted((string?)null, result) : TypedResults.Ok(result);
        }
        catch (NymUnavailableException e)
        {
            metrics.SendUnavailable(kind);
            return Problems.Unavailable(http.Response, e);
        }
    }
}
