using Microsoft.AspNetCore.Http.HttpResults;
using NymBridge.Api.Nym;

namespace NymBridge.Api.Http;

/// <summary>The bridge's RFC 9457 problem responses, each with a <c>detail</c> that says what to do.</summary>
public static class Problems
{
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = detail ?? string.Join(" ", errors.SelectMany(e => e.Value)),
        });

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "The payload is too large.");

    public static ProblemHttpResult UnsupportedMediaType(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type.");

    /// <summary>
    /// Sets <c>Retry-After</c> (RFC 9110 §10.2.3: whole seconds) on every 503 and 429 the bridge answers:
    /// <paramref name="delay"/> rounded up, and never less than 1 s, so a client that honours it does not
    /// come back at once in a loop.
    /// </summary>
    /// <returns>The seconds written, for a <c>detail</c> that names them.</returns>
    public static int RetryAfter(HttpResponse response, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(response);
        var seconds = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return seconds;
    }

    /// <summary>503 with <c>Retry-After</c>: nothing was written to nym-client, so the caller may simply retry.</summary>
    public static ProblemHttpResult Unavailable(HttpResponse response, NymUnavailableException error)
    {
        RetryAfter(response, TimeSpan.FromSeconds(error.RetryAfterSeconds));
        return TypedResults.Problem(
            error.Message,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: error.ShuttingDown ? "The bridge is shutting down." : "nym-client is not available.");
    }
}
