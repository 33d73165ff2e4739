using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Http;

namespace NymBridge.Api.Webhooks;

/// <summary>The management API of webhook endpoints (behind the API key like everything but /health).</summary>
public static class WebhookEndpoints
{
    public const int MaxAttempts = 1000, DefaultAttempts = 100;

    /// <summary>How long a change waits for its commit before answering 503 (a store that hangs rather than fails).</summary>
    public static readonly TimeSpan CommitWait = TimeSpan.FromSeconds(10);

    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/webhooks").WithTags("Webhooks");

        group.MapGet("", (WebhookDispatcher dispatcher) => TypedResults.Ok(dispatcher.Endpoints.Select(e => e.GetSummary()).ToList()))
            .WithName("GetWebhooks")
            .WithSummary("Webhook endpoints and their delivery state")
            .WithDescription("Every configured endpoint: whether it is enabled (410 Gone disables it), its cursor, events pending and in flight, " +
                             "delivered/failed/dropped counts, replies sent and refused, the last success and error, and when the next retry is due. Never the secret.");

        group.MapGet("/{name}/attempts", GetAttemptsAsync)
            .WithName("GetWebhookAttempts")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The attempt log of an endpoint")
            .WithDescription("Attempts with id > after (default 0), oldest first, at most max (1–1000, default 100); the newest 1,000 per endpoint are kept. " +
                             "reply says what became of the answer: sent, none, refused: <reason>, or late (after the reply window). Never bodies.")
            .ProducesValidationProblem();

        group.MapGet("/{name}/failures", GetFailures)
            .WithName("GetWebhookFailures")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Events that exhausted their retries")
            .WithDescription("Requeue them with POST /webhooks/{name}/redeliver and {\"failed\": true}.");

        group.MapPost("/{name}/redeliver", RedeliverAsync)
            .WithName("RedeliverWebhook")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Deliver events again")
            .WithDescription("Exactly one of {\"seqs\": [..]}, {\"from\": N} (every retained seq from N up to the cursor) or {\"failed\": true}. " +
                             "Queued now with a fresh retry schedule and the same webhook-id; an answer becomes a reply only within the reply window, " +
                             "and never a second reply for the same event.")
            .ProducesValidationProblem();

        group.MapPost("/{name}/enable", (string name, WebhookDispatcher dispatcher, HttpResponse response) => SetEnabledAsync(name, dispatcher, response, true))
            .WithName("EnableWebhook")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Enable an endpoint (after a 410 Gone or a disable)");

        group.MapPost("/{name}/disable", (string name, WebhookDispatcher dispatcher, HttpResponse response) => SetEnabledAsync(name, dispatcher, response, false))
            .WithName("DisableWebhook")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Stop delivering to an endpoint; events wait in the inbox until it is enabled");

        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<WebhookAttempt>>, ProblemHttpResult>> GetAttemptsAsync(
        string name, string? after, string? max, WebhookDispatcher dispatcher, CancellationToken cancellationToken)
    {
        if (dispatcher.Find(name) is not { } endpoint)
        {
            return NotFound(name);
        }

        var errors = new Dictionary<string, string[]>();
        long afterId = 0;
        if (after is not null && !long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
        {
            errors["after"] = ["after must be an attempt id: an integer from 0."];
        }

        var count = DefaultAttempts;
        if (max is not null && (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxAttempts))
        {
            errors["max"] = [$"max must be an integer from 1 to {MaxAttempts}."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        return TypedResults.Ok(await endpoint.ReadAttemptsAsync(afterId, count, cancellationToken));
    }

    private static Results<Ok<IReadOnlyList<WebhookFailure>>, ProblemHttpResult> GetFailures(string name, WebhookDispatcher dispatcher) =>
        dispatcher.Find(name) is { } endpoint ? TypedResults.Ok(endpoint.GetFailures()) : NotFound(name);

    private static async Task<Results<Accepted<WebhookRedelivery>, ProblemHttpResult>> RedeliverAsync(
        string name, WebhookRedeliverSelection selection, WebhookDispatcher dispatcher, HttpResponse response)
    {
        if (dispatcher.Find(name) is not { } endpoint)
        {
            return NotFound(name);
        }

        var given = (selection.Seqs is not null ? 1 : 0) + (selection.From is not null ? 1 : 0) + (selection.Failed is not null ? 1 : 0);
        if (given != 1 || selection.Failed == false || selection.From < 0 || selection.Seqs is { Length: > 10_000 })
        {
            return Problems.Validation("body",
                "Give exactly one of {\"seqs\": [1, 2]} (at most 10,000), {\"from\": N} (N ≥ 0) or {\"failed\": true}.");
        }

        try
        {
            var queued = await endpoint.RedeliverAsync(selection).WaitAsync(CommitWait);
            return TypedResults.Accepted((string?)null, new WebhookRedelivery(queued.Count, queued));
        }
        catch (Exception e) when (e is TimeoutException or WebhookStateNotSavedException)
        {
            return NotSaved(response, (e as WebhookStateNotSavedException)?.Reason ?? "the store did not answer in time");
        }
    }

    private static async Task<Results<Ok<WebhookSummary>, ProblemHttpResult>> SetEnabledAsync(
        string name, WebhookDispatcher dispatcher, HttpResponse response, bool enabled)
    {
        if (dispatcher.Find(name) is not { } endpoint)
        {
            return NotFound(name);
        }

        try
        {
            await endpoint.SetEnabledAsync(enabled).WaitAsync(CommitWait);
        }
        catch (Exception e) when (e is TimeoutException or WebhookStateNotSavedException)
        {
            return NotSaved(response, (e as WebhookStateNotSavedException)?.Reason ?? "the store did not answer in time");
        }

        return TypedResults.Ok(endpoint.GetSummary());
    }

    /// <summary>The change is in effect but not saved yet: the store keeps failing, and a restart before it recovers forgets it.</summary>
    private static ProblemHttpResult NotSaved(HttpResponse response, string reason)
    {
        Problems.RetryAfter(response, CommitWait);
        return TypedResults.Problem(
            $"The change is in effect but could not be saved yet ({reason}); it is saved once the store recovers, " +
            "and a restart before then forgets it. GET /webhooks shows stateError until the store recovers.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "The webhook state could not be saved.");
    }

    private static ProblemHttpResult NotFound(string name) => TypedResults.Problem(
        $"No webhook endpoint is named '{(name.Length <= 64 ? name : name[..64] + "…")}'. GET /webhooks lists them; configure them under Webhooks:Endpoints.",
        statusCode: StatusCodes.Status404NotFound, title: "No such webhook endpoint.");
}

/// <summary>What <c>POST /webhooks/{name}/redeliver</c> queued.</summary>
public sealed record WebhookRedelivery(int Queued, IReadOnlyList<long> Seqs);
