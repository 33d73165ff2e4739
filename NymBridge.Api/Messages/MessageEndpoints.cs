using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using NymBridge.Api.Http;
using NymBridge.Api.Inbox;
using NymBridge.Api.Metrics;
using NymBridge.Api.OpenApi;

namespace NymBridge.Api.Messages;

/// <summary>Inbound messages: long-poll <c>GET /messages</c>, raw payloads, and Server-Sent Events.</summary>
public static class MessageEndpoints
{
    public const int MaxWaitSeconds = 60, DefaultWaitSeconds = 30, MaxBatch = 1000, DefaultBatch = 100;

    /// <summary>The SSE <c>retry:</c> hint: soon enough that a dropped stream barely shows, slow enough not to hammer a restarting bridge.</summary>
    public const int StreamRetryMilliseconds = 2000;

    /// <summary>The names of the SSE control events. Never open, error or message: EventSource fires those for its own connection.</summary>
    public const string ReadyEvent = "ready", ResetEvent = "reset", TruncatedEvent = "truncated";

    public static RouteGroupBuilder MapMessages(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/messages").WithTags("Messages");

        group.MapGet("", ReadAsync)
            .WithName("GetMessages")
            .WithSummary("Long-poll inbound messages")
            .WithDescription("Without after: a queue read that returns the next events no queue read has taken, and takes them. " +
                             "With after=N: a replay of retained events with seq > N that takes nothing. Returns at once when events " +
                             "are there, else waits up to wait seconds (0–60, default 30) for the first to arrive. Send back the cursor " +
                             "as after and the epoch as epoch: reset=true means the store was replaced and the list starts from the oldest " +
                             "retained event; truncated=true means events after your cursor were evicted by retention.")
            .Produces<MessageList>(StatusCodes.Status200OK)
            .WithResponseExample(StatusCodes.Status200OK, OpenApiExamples.Messages)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{seq}/payload", PayloadAsync)
            .WithName("GetMessagePayload")
            .WithSummary("The raw payload of a received message")
            .WithDescription("The bytes exactly as received, as application/octet-stream. 404 once retention has evicted the event.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/stream", StreamAsync)
            .WithName("StreamMessages")
            .WithSummary("Inbound messages as Server-Sent Events")
            .WithDescription("text/event-stream. Every inbound event is a default (unnamed) event, so EventSource's onmessage gets them all: " +
                             "id = seq, data = the event JSON exactly as GET /messages returns it, whose type says received or error. " +
                             "Resumes after the Last-Event-ID header (the browser sends it when it reconnects) or the after query parameter; " +
                             "without either it starts with new events. Control events are named and carry no id, so they never move the resume point: " +
                             "the stream starts with 'ready' ({epoch, cursor, detail}); with an epoch that is not the store's, 'reset' instead, and replay " +
                             "from the oldest retained event; when events after the cursor were evicted, 'truncated' precedes the next one. " +
                             "A retry hint of " + StreamRetryMilliseconds + " ms tells the browser how soon to reconnect. " +
                             "No event is named open, error or message: those are EventSource's own.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return group;
    }

    /// <param name="wait">Seconds to wait for the first event when none is there, 0 to 60 (default 30).</param>
    /// <param name="max">Most events to return, 1 to 1000 (default 100).</param>
    /// <param name="after">Replay retained events with a seq above this cursor, taking nothing; without it, a queue read.</param>
    /// <param name="epoch">The epoch of the cursor: when it is not the store's, the answer says reset and starts from the oldest retained event.</param>
    private static async Task<IResult> ReadAsync(
        HttpContext http, IInboxFeed inbox, MessagePageJson pages, BridgeMetrics metrics,
        [OpenApiInteger("0", "60")] string? wait,
        [OpenApiInteger("1", "1000")] string? max,
        [OpenApiInteger("0", OpenApiIntegerAttribute.Int64Max)] string? after,
        string? epoch)
    {
        var errors = new Dictionary<string, string[]>();
        var waitSeconds = ParseInt(wait, "wait", 0, MaxWaitSeconds, DefaultWaitSeconds, errors);
        var batch = ParseInt(max, "max", 1, MaxBatch, DefaultBatch, errors);
        var cursor = ParseSeq(after, "after", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        using var subscriber = metrics.LongPoll();
        try
        {
            return pages.Result(await inbox.ReadAsync(cursor, epoch, batch, TimeSpan.FromSeconds(waitSeconds), http.RequestAborted));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller hung up while waiting: nothing was taken, nobody to answer.
            return TypedResults.Ok(new MessageList([], cursor ?? 0, inbox.Epoch, false, false));
        }
    }

    /// <param name="seq">The seq of a received message.</param>
    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PayloadAsync(
        [OpenApiInteger("0", OpenApiIntegerAttribute.Int64Max)] string seq, IInboxFeed inbox, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var number = ParseSeq(seq, "seq", errors);
        if (number is null)
        {
            return Problems.Validation(errors.Count > 0 ? errors : new() { ["seq"] = ["seq is required."] });
        }

        var found = await inbox.GetAsync(number.Value, cancellationToken);
        if (found is not { Type: InboxEventType.Received })
        {
            return TypedResults.Problem(
                found is null
                    ? $"No retained message has seq {number}: it was never assigned or retention evicted it."
                    : $"Event {number} is an error report, not a received message; read it from GET /messages.",
                statusCode: StatusCodes.Status404NotFound, title: "No such message.");
        }

        return TypedResults.File(found.Payload.ToArray(), "application/octet-stream", $"message-{number}.bin");
    }

    /// <param name="lastEventId">Resume after this seq; the browser sends it by itself when it reconnects, and it wins over after.</param>
    /// <param name="after">Resume after this seq (a cursor or an event id); without it or Last-Event-ID, new events only.</param>
    /// <param name="epoch">The epoch of the cursor: when it is not the store's, the stream starts with reset and replays from the oldest retained event.</param>
    private static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> StreamAsync(
        HttpContext http, IInboxFeed inbox, EventViews views, BridgeMetrics metrics,
        [FromHeader(Name = "Last-Event-ID"), OpenApiInteger("0", OpenApiIntegerAttribute.Int64Max)] string? lastEventId,
        [OpenApiInteger("0", OpenApiIntegerAttribute.Int64Max)] string? after,
        string? epoch)
    {
        var errors = new Dictionary<string, string[]>();
        var start = ParseSeq(lastEventId ?? after, lastEventId is null ? "after" : "Last-Event-ID", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // Before the response starts: a store that cannot be reached (cluster mode) is a 503 with Retry-After, not a
        // stream that opens and says nothing. Read once here; the subscription holds to this epoch, so every event
        // the stream sends belongs to the epoch its ready (or reset) said.
        var current = await inbox.ReadEpochAsync(http.RequestAborted);
        return TypedResults.ServerSentEvents(StreamEventsAsync(inbox, views, metrics, start, epoch, current, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<object>> StreamEventsAsync(
        IInboxFeed inbox, EventViews views, BridgeMetrics metrics, long? start, string? epoch, string current,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Counted while the stream is written: disposing the enumerator (the client left) ends it.
        using var subscriber = metrics.SseStream();
        var after = start ?? inbox.LastSeq;
        if (epoch is not null && !string.Equals(epoch, current, StringComparison.Ordinal))
        {
            yield return Control(new StreamNotice(current, after, "The epoch is not this store's: starting from the oldest retained event."), ResetEvent);
            after = 0;
        }
        else
        {
            // Sent at once, so the client sees the stream open (and learns the epoch) before any message arrives.
            yield return Control(new StreamNotice(current, after, "Streaming events after this cursor."), ReadyEvent);
        }

        var last = after;
        // Ends when the store moves to another epoch (the client comes back with its epoch and is told reset), and when
        // the store cannot be read: the response then ends too, and EventSource reconnects with Last-Event-ID.
        await using var events = inbox.SubscribeAsync(after, current, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await events.MoveNextAsync())
                {
                    break;
                }
            }
            catch (InboxUnavailableException)
            {
                break;
            }

            var e = events.Current;
            if (InboxSeq.IsGap(last, e.Seq))
            {
                yield return Control(new StreamNotice(current, last, $"Events {last + 1} to {e.Seq - 1} were evicted before they could be sent."), TruncatedEvent);
            }

            last = e.Seq;
            // No event type: a default event, which EventSource hands to onmessage; the JSON's type says received or error.
            yield return new SseItem<object>(views.Message(e)) { EventId = e.Seq.ToString(CultureInfo.InvariantCulture) };
        }
    }

    /// <summary>
    /// A named event without an id, so a reconnecting browser's Last-Event-ID stays the last message's seq.
    /// Each carries the retry hint: the first event a client sees is always a control event.
    /// </summary>
    private static SseItem<object> Control(StreamNotice notice, string name) =>
        new(notice, name) { ReconnectionInterval = TimeSpan.FromMilliseconds(StreamRetryMilliseconds) };

    private static int ParseInt(string? text, string name, int min, int max, int fallback, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"{name} must be an integer from {min} to {max}."];
        return fallback;
    }

    private static long? ParseSeq(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors[name] = [$"{name} must be a sequence number, an integer from 0 to {long.MaxValue}."];
        return null;
    }
}

/// <summary>A page of inbound events and the cursor to continue from.</summary>
/// <param name="Cursor">Send it back as <c>after</c> to continue a replay.</param>
/// <param name="Epoch">Send it back as <c>epoch</c>: a different epoch means the store was replaced.</param>
/// <param name="Reset">The epoch you sent is not this store's; the list starts from the oldest retained event.</param>
/// <param name="Truncated">Events after your cursor were evicted by retention before you read them.</param>
public sealed record MessageList(IReadOnlyList<MessageEvent> Messages, long Cursor, string Epoch, bool Reset, bool Truncated);

/// <summary>Sent on the event stream before a gap or a restart from the oldest event.</summary>
public sealed record StreamNotice(string Epoch, long Cursor, string Detail);
