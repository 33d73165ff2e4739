using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using NymBridge.Api.Http;
using NymBridge.Api.Inbox;

namespace NymBridge.Api.Messages;

/// <summary>
/// Every endpoint that reads the inbox (long-poll, a payload, the start of an SSE stream) answers an
/// <see cref="InboxUnavailableException"/> with 503 problem+json and <c>Retry-After</c>, not 500: the request was
/// fine, the shared store is not reachable now, and nothing was taken (a queue read's cursor moves only in the store).
/// </summary>
/// <remarks>
/// One place instead of a catch per endpoint. Returning true also keeps the exception middleware from logging it as
/// an unhandled error: the store's own exception may name its address, so only the type is logged here.
/// </remarks>
internal sealed partial class InboxUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<InboxUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public const string Title = "The inbox store is unavailable.";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not InboxUnavailableException unavailable || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(logger, unavailable.InnerException?.GetType().Name ?? nameof(InboxUnavailableException));
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        Problems.RetryAfter(httpContext.Response, TimeSpan.FromSeconds(unavailable.RetryAfterSeconds));
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = Title,
                Detail = unavailable.Message,
            },
        });
    }

    [LoggerMessage(24001, LogLevel.Warning, "The inbox store could not be read ({Error}); answered 503 with Retry-After", EventName = "InboxStoreUnavailable")]
    private static partial void LogUnavailable(ILogger logger, string error);
}
