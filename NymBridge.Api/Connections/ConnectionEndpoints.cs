using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;
using NymBridge.Protocol;

namespace NymBridge.Api.Connections;

/// <summary>nym-client's lanes ("connections"): per-connection send queues, as used by socks-style clients.</summary>
public static class ConnectionEndpoints
{
    public static RouteGroupBuilder MapConnections(this IEndpointRouteBuilder routes)
    {
        // {id} is a string on purpose: 0, -1, abc or a number over 2^64-1 get a 400 that says so, not a 404.
        var group = routes.MapGroup("/connections/{id}").WithTags("Connections");

        group.MapGet("/queue-length", QueueLengthAsync)
            .WithName("GetQueueLength")
            .WithSummary("Queue length of a connection's lane")
            .WithDescription("Asks nym-client how many messages are waiting on the lane of this connection id (1 to 2^64-1).")
            .WithResponseExample(StatusCodes.Status200OK, new LaneQueueLength(7, 0))
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/close", CloseAsync)
            .WithName("CloseConnection")
            .WithSummary("Close a connection's lane")
            .WithDescription("Tells nym-client that the connection with this id is closed, so it can drop that lane. nym-client sends no answer.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return group;
    }

    /// <param name="id">The connection id (lane), 1 to 2^64-1.</param>
    private static async Task<Results<Ok<LaneQueueLength>, ProblemHttpResult>> QueueLengthAsync([OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)] string id, HttpContext http, INymConnection nym)
    {
        if (!LaneId.TryParse(id, out var lane, out var error))
        {
            return Problems.Validation("id", error);
        }

        try
        {
            var answer = await nym.SendForLaneAsync(new GetLaneQueueLengthRequest(lane.Value), lane.Value, http.RequestAborted);
            return TypedResults.Ok(new LaneQueueLength(answer.Lane, answer.QueueLength));
        }
        catch (NymUnavailableException e)
        {
            return Problems.Unavailable(http.Response, e);
        }
    }

    /// <param name="id">The connection id (lane), 1 to 2^64-1.</param>
    private static async Task<Results<Accepted, ProblemHttpResult>> CloseAsync([OpenApiInteger("1", OpenApiIntegerAttribute.UInt64Max)] string id, HttpContext http, INymConnection nym)
    {
        if (!LaneId.TryParse(id, out var lane, out var error))
        {
            return Problems.Validation("id", error);
        }

        try
        {
            await nym.SendAsync(new ClosedConnectionRequest(lane.Value), http.RequestAborted);
            return TypedResults.Accepted((string?)null);
        }
        catch (NymUnavailableException e)
        {
            return Problems.Unavailable(http.Response, e);
        }
    }
}

/// <summary>nym-client's answer about a lane.</summary>
public sealed record LaneQueueLength(ulong Lane, ulong QueueLength);
