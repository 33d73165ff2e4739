using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;
using NymBridge.Api.Nym;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Status;

public static class StatusEndpoints
{
    public static RouteGroupBuilder MapStatus(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Status");

        group.MapGet("/self-address", (HttpContext http, INymConnection nym) => GetSelfAddress(http, nym))
            .WithName("GetSelfAddress")
            .WithSummary("This client's own Nym address")
            .WithDescription("The address nym-client reported on the current connection: give it to others so they can send to you.")
            .WithResponseExample(StatusCodes.Status200OK, new SelfAddress(OpenApiExamples.Address))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/status", (INymConnection nym, IEnumerable<IStatusContributor> contributors) => GetStatus(nym, contributors))
            .WithName("GetStatus")
            .WithSummary("Connection state and counters")
            .WithDescription("Whether the bridge is connected to nym-client, since when, how often it reconnected, the last error, " +
                             "frame counters (bad frames included), and the inbox and subscriber counters.")
            .WithResponseExample(StatusCodes.Status200OK, OpenApiExamples.Status);

        return group;
    }

    private static Results<Ok<SelfAddress>, ProblemHttpResult> GetSelfAddress(HttpContext http, INymConnection nym) =>
        nym.SelfAddress is { } address
            ? TypedResults.Ok(new SelfAddress(address.ToString()))
            : Problems.Unavailable(http.Response, new NymUnavailableException(
                nym.GetStatus().Connected
                    ? "nym-client has not reported its address yet; try again in a moment."
                    : "nym-client is not connected; the bridge is reconnecting."));

    private static Ok<BridgeStatus> GetStatus(INymConnection nym, IEnumerable<IStatusContributor> contributors) =>
        TypedResults.Ok(new BridgeStatus(nym.GetStatus(), contributors.ToDictionary(c => c.Name, c => c.GetStatus())));
}
