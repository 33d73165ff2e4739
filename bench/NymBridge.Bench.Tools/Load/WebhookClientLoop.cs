using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace NymBridge.Bench.Tools.Load;

/// <summary>
/// <c>webhook-client --receiver URL --count N --concurrency C</c>: the yardstick of webhook throughput. A bare
/// <see cref="HttpClient"/> loop posting the body and webhook headers the receiver kept from the bridge's first
/// delivery (<c>GET /sample</c>) to its <c>/count</c>, N times, C in flight: the same bodies, the same receiver,
/// the same concurrency as the bridge, with none of its work (no store, no signing, no cursor).
/// </summary>
internal static class WebhookClientLoop
{
    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var receiver = new Uri(args.Require("receiver"));
        var count = args.Int("count", 10_000);
        var concurrency = args.Int("concurrency", 4);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var sample = await http.GetFromJsonAsync<WebhookReceiver.Sample>(new Uri(receiver, "/sample"), Measure.Json, stop)
                     ?? throw new InvalidOperationException("The receiver has no sample body.");
        var body = Convert.FromBase64String(sample.BodyBase64);
        var url = new Uri(receiver, "/count");
        var next = 0;
        var failures = 0;
        var start = Stopwatch.GetTimestamp();

        async Task WorkerAsync()
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation("webhook-id", sample.Id);
                request.Headers.TryAddWithoutValidation("webhook-timestamp", sample.Timestamp);
                request.Headers.TryAddWithoutValidation("webhook-signature", sample.Signature);
                using var response = await http.SendAsync(request, stop);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, stop)));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Measure.PrintResult(new { count, concurrency, seconds, rate = count / seconds, failures });
        return 0;
    }
}
