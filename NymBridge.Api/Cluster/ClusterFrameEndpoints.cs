using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using NymBridge.Api.Connections;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Protocol;

namespace NymBridge.Api.Cluster;

/// <summary>
/// The leader's side of <see cref="LeaderForwarder"/>: <c>POST /internal/cluster/frames[?lane=n]</c>, a request frame as
/// nym-client reads it, written through the local <see cref="NymConnection"/> (never forwarded again). Mapped only in
/// cluster mode, hidden from the OpenAPI document, authenticated by <c>X-NymBridge-Internal-Key</c> alone: not the
/// public API key (another instance does not hold it) and not rate limited (each instance already applied its own).
/// </summary>
public static class ClusterFrameEndpoints
{
    /// <summary>The longest header a frame that carries a message has (send-anonymous: tag, reply SURBs, recipient, lane, length).</summary>
    public const int MaxHeaderBytes = 1 + sizeof(uint) + NymAddress.Length + (2 * sizeof(ulong));

    public static IEndpointRouteBuilder MapClusterFrames(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        // Asked of the registrations, not of the options: reading options here would report one section's errors
        // before start-up validation reports them all.
        if (!routes.ServiceProvider.GetRequiredService<IServiceProviderIsService>().IsService(typeof(InternalKeyCheck)))
        {
            return routes;
        }

        routes.MapPost(LeaderForwarder.FramesPath, ReceiveAsync)
            .ExcludeFromDescription()
            .AllowAnonymous()
            .DisableRateLimiting();
        return routes;
    }

    private static async Task<Results<NoContent, Ok<LaneQueueLength>, ProblemHttpResult>> ReceiveAsync(
        HttpContext http, InternalKeyCheck keys, LeaderLease lease, NymConnection local, IOptions<BridgeOptions> bridge, LeaderForwarder forwarder)
    {
        var presented = http.Request.Headers[InternalKeyCheck.HeaderName];
        if (presented.Count == 0)
        {
            return TypedResults.Problem($"This endpoint is for the instances of a cluster: send {InternalKeyCheck.HeaderName} with Cluster:InternalKey.",
                statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
        }

        if (!keys.IsForwarded(http.Request))
        {
            return TypedResults.Problem($"{InternalKeyCheck.HeaderName} is not this cluster's Cluster:InternalKey: every instance needs the same key.",
                statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");
        }

        ulong? lane = null;
        if (http.Request.Query.TryGetValue("lane", out var laneText))
        {
            if (!LaneId.TryParse(laneText.ToString(), out var parsed, out var laneError))
            {
                return Problems.Validation("lane", laneError);
            }

            lane = parsed.Value;
        }

        if (lease.Role != ClusterRole.Leader)
        {
            var seconds = Problems.RetryAfter(http.Response, TimeSpan.FromSeconds(forwarder.RetryAfterSeconds));
            return TypedResults.Problem($"This instance does not hold the nym-client connection (any more); nothing was sent. Retry after {seconds} s on the leader Redis names.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not the leader.");
        }

        var limit = MaxHeaderBytes + (long)bridge.Value.MaxMessageBytes;
        ReadOnlyMemory<byte>? body;
        try
        {
            body = await BodyReader.ReadAsync(http.Request, limit, http.RequestAborted);
        }
        catch (Exception e) when (e is EndOfStreamException or BadHttpRequestException)
        {
            return Problems.Validation("body", "The frame could not be read whole.");
        }

        if (body is null)
        {
            return Problems.TooLarge($"The frame is over {limit} bytes (Bridge:MaxMessageBytes on this instance plus the largest header).");
        }

        if (!RequestCodec.TryDecode(body.Value, out var request, out var error))
        {
            return Problems.Validation("body", $"The frame is not a request nym-client would accept ({error}).");
        }

        // What the public API can send: messages, and a lane's close or queue length. SelfAddress is the connection's own question.
        if (request is not (MessageRequest or ClosedConnectionRequest or GetLaneQueueLengthRequest))
        {
            return Problems.Validation("body", $"A {request.Tag} frame is not forwarded: only messages and lane requests are.");
        }

        try
        {
            if (lane is { } n)
            {
                // The follower's hang-up is this request's end: a frame not yet written is dropped, the follower says "maybe sent".
                var answer = await local.SendForLaneAsync(request, n, http.RequestAborted);
                return TypedResults.Ok(new LaneQueueLength(answer.Lane, answer.QueueLength));
            }

            await local.SendAsync(request, http.RequestAborted);
            return TypedResults.NoContent();
        }
        catch (NymUnavailableException e)
        {
            return Problems.Unavailable(http.Response, e);
        }
    }
}
