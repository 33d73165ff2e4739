using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;
using NymBridge.Protocol;

namespace NymBridge.Api.Sending;

/// <summary><c>POST /send</c>, <c>/send-anonymous</c>, <c>/reply</c>: one frame to nym-client each.</summary>
public static class SendEndpoints
{
    public static RouteGroupBuilder MapSending(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Sending");

        group.MapPost("/send", (HttpContext http, SendRequestParser parser, INymConnection nym) => SendAsync(http, parser, nym, SendKind.Send))
            .WithName("Send")
            .WithSummary("Send a message to a Nym address")
            .WithDescription("Sends the payload to the recipient through the mixnet. The recipient learns nothing about the sender and cannot reply. " +
                             "Returns once the frame is written to nym-client (nym-client does not acknowledge delivery). " +
                             "JSON: exactly one of message (text or any JSON value) and messageBase64 (bytes). " +
                             "Raw bytes: Content-Type application/octet-stream, payload as the body, recipient and connectionId in the query string.")
            .AcceptsSendBody<SendBody>(SendExamples.Send);

        group.MapPost("/send-anonymous", (HttpContext http, SendRequestParser parser, INymConnection nym) => SendAsync(http, parser, nym, SendKind.SendAnonymous))
            .WithName("SendAnonymous")
            .WithSummary("Send a message with reply SURBs")
            .WithDescription("Like /send, but attaches replySurbs single-use reply blocks (default 20, up to Nym:MaxReplySurbs), so the recipient can " +
                             "answer through /reply with the senderTag it receives, without learning your address. " +
                             "Raw bytes: application/octet-stream with recipient, replySurbs and connectionId in the query string.")
            .AcceptsSendBody<SendAnonymousBody>(SendExamples.SendAnonymous);

        group.MapPost("/reply", (HttpContext http, SendRequestParser parser, INymConnection nym) => SendAsync(http, parser, nym, SendKind.Reply))
            .WithName("Reply")
            .WithSummary("Reply to an anonymous sender")
            .WithDescription("Answers the sender of a received message that carried a senderTag, using the reply SURBs they attached. " +
                             "Raw bytes: application/octet-stream with senderTag and connectionId in the query string.")
            .AcceptsSendBody<ReplyBody>(SendExamples.Reply);

        return group;
    }

    private static async Task<Results<Accepted<SendResult>, Ok<SendResult>, ProblemHttpResult>> SendAsync(
        HttpContext http, SendRequestParser parser, INymConnection nym, SendKind kind)
    {
        var parsed = await parser.ParseAsync(http.Request, kind, http.RequestAborted);
        if (parsed.Problem is { } problem)
        {
            return problem;
        }

        var request = parsed.Request!;
        var bytes = RequestCodec.GetPayload(request).Length;
        try
        {
            if (ConnectionIdOf(request) is { } lane)
            {
                var answer = await nym.SendForLaneAsync(request, lane, http.RequestAborted);
                return TypedResults.Ok(new SendResult(bytes, answer.Lane, answer.QueueLength));
            }

            await nym.SendAsync(request, http.RequestAborted);
            return TypedResults.Accepted((string?)null, new SendResult(bytes));
        }
        catch (NymUnavailableException e)
        {
            return Problems.Unavailable(http.Response, e);
        }
    }

    private static ulong? ConnectionIdOf(ClientRequest request) => request switch
    {
        SendRequest r => r.ConnectionId,
        SendAnonymousRequest r => r.ConnectionId,
        ReplyRequest r => r.ConnectionId,
        _ => null,
    };
}
