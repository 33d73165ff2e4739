using NymBridge.Api.Http;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace NymBridge.Api.Security;

/// <summary><c>Bridge:RateLimit</c> as the rate limiter's options: a token bucket per client address, answered with a 429 problem.</summary>
internal sealed class BridgeRateLimiterSetup(IOptions<BridgeOptions> bridge) : IConfigureOptions<RateLimiterOptions>
{
    public void Configure(RateLimiterOptions options)
    {
        var permits = bridge.Value.RateLimit.PermitsPerSecond;
        options.OnRejected = async (context, token) =>
        {
            var seconds = Problems.RetryAfter(context.HttpContext.Response, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.Zero);
            await Results.Problem(
                $"Too many requests from this client (Bridge:RateLimit:PermitsPerSecond = {permits}). Retry after {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.").ExecuteAsync(context.HttpContext);
        };

        // Without a limit there is no global limiter, and the middleware passes every request straight on.
        if (permits is { } limit and > 0)
        {
            // Per client address: one noisy local app cannot starve the others.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limit,
                    TokensPerPeriod = limit,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        }
    }
}
