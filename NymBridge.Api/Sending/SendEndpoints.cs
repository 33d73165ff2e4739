using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Api.Metrics;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Sending;

/// <summary><c>POST /send</c>, <c>/send-anonymous</c>, <c>/reply</c>: one frame to nym-client each, one endpoint per row of <see cref="SendKinds"/>.</summary>
public static class SendEndpoints
{
    public static RouteGroupBuilder MapSending(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Sending");
        foreach (var kind in SendKinds.All)
        {
            group.MapPost(kind.Route, (HttpContext http, SendRequestParser parser, INymConnection nym, IIdempotencyStore idempotency, BridgeMetrics metrics) =>
                    SendAsync(http, parser, nym, idempotency, metrics, kind))
                .WithName(kind.Name)
                .WithSummary(kind.Summary)
                .WithDescription(kind.Description)
                .AcceptsSendBody(kind);
        }

        return group;
    }

    public const string IdempotencyHeader = "Idempotency-Key";

    public const string OutcomeUnknownDetail =
        "A send with this Idempotency-Key began and has not reported back; it will not be sent again under this key.";

    private static async Task<Results<Accepted<SendResult>, Ok<SendResult>, ProblemHttpResult>> SendAsync(
        HttpContext http, SendRequestParser parser, INymConnection nym, IIdempotencyStore idempotency, BridgeMetrics metrics, SendKindDefinition definition)
    {
        var kind = definition.Kind;
        var key = http.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length > 0 && !IdempotencyStore.IsValidKey(key))
        {
            metrics.SendRejected(kind);
            return Problems.Validation(IdempotencyHeader, $"{IdempotencyHeader} must be 1 to {IdempotencyStore.MaxKeyLength} visible ASCII characters, e.g. a UUID.");
        }

        var parsed = await parser.ParseAsync(http.Request, definition, http.RequestAborted);
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
                result = await nym.SendMessageAsync(parsed.Request!, http.RequestAborted);
            }
            else
            {
                // Not the caller's token: a retry that joins this send must get its result even if the first caller hangs up.
                var outcome = await idempotency.RunAsync(key, parsed.Request!, () => nym.SendMessageAsync(parsed.Request!, CancellationToken.None));
                if (outcome.Conflict)
                {
                    metrics.SendRejected(kind);
                    return TypedResults.Problem(
                        $"This {IdempotencyHeader} was used in the last {IdempotencyStore.Lifetime.TotalMinutes:0} minutes for a different request. Use a new key for a new message.",
                        statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused.");
                }

                if (outcome.OutcomeUnknown)
                {
                    // Only in a cluster: the send under this key began on some instance and never reported back.
                    metrics.SendRejected(kind);
                    return TypedResults.Problem(OutcomeUnknownDetail, statusCode: StatusCodes.Status409Conflict, title: "Outcome unknown.");
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
