using Microsoft.AspNetCore.Http.HttpResults;

namespace NymBridge.Api.Cluster;

/// <summary>Turns a <see cref="ForwardResult"/> into the caller's response: the leader's answer verbatim, or 503 + Retry-After.</summary>
public sealed class ForwardedHttpResult(ForwardResult result) : IResult
{
    public ForwardResult Result { get; } = result;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        if (Result.Response is not { } response)
        {
            await Unavailable(httpContext.Response, Result).ExecuteAsync(httpContext);
            return;
        }

        var http = httpContext.Response;
        http.StatusCode = response.StatusCode;
        if (response.ContentType is { } contentType)
        {
            http.ContentType = contentType;
        }

        if (response.RetryAfter is { } retryAfter)
        {
            http.Headers.RetryAfter = retryAfter;
        }

        if (response.Replayed)
        {
            http.Headers[LeaderForwarder.ReplayedHeader] = "true";
        }

        http.ContentLength = response.Body.Length;
        await http.Body.WriteAsync(response.Body, httpContext.RequestAborted);
    }

    /// <summary>The 503 for a forward that got no answer (problem+json, Retry-After).</summary>
    public static ProblemHttpResult Unavailable(HttpResponse response, ForwardResult result)
    {
        response.Headers.RetryAfter = result.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            result.Detail,
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: result.MaybeSent ? "The leader did not answer." : "No instance holds the nym-client connection.");
    }
}
