using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace NymBridge.Bench.Tools.Load;

/// <summary>
/// The webhook benchmark's receiver: a minimal Kestrel app on <c>--port</c>, no signature check (its own cost is
/// what the measurements subtract or share, so it is kept as small as a receiver can be).
/// <list type="bullet">
/// <item><c>POST /count</c>: reads the body, counts it, answers 204 (no reply). The throughput runs, bridge and bare client alike.</item>
/// <item><c>POST /echo</c>: reads the delivery, takes the emulator's stamp (<c>run=ID;t=TICKS;</c>) from <c>data.message</c>
/// and answers 200 <c>application/octet-stream</c> <c>run=ID;t=TICKS;h=HANDLER_TICKS;</c>, which the bridge sends as the reply.
/// <c>h</c> is the receiver's own time: from the handler's start to just before the answer is written.</item>
/// <item><c>GET /stats</c>: <c>{count, timed, first, last}</c> of <c>/count</c> (Stopwatch timestamps); <c>POST /reset?skip=N</c> zeroes
/// them and leaves the first N deliveries untimed (a warm-up: <c>first</c> is the N+1st, <c>timed</c> counts from it).</item>
/// <item><c>GET /sample</c>: the first body and webhook headers <c>/count</c> received, for the bare client to post again.</item>
/// </list>
/// </summary>
internal static class WebhookReceiver
{
    private static long _count;
    private static long _skip;
    private static long _first;
    private static long _last;
    private static Sample? _sample;

    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var port = args.Int("port", 5991);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 64L * 1024 * 1024;
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapPost("/count", CountAsync);
        app.MapPost("/echo", EchoAsync);
        app.MapGet("/stats", () =>
        {
            var count = Interlocked.Read(ref _count);
            return Results.Ok(new { count, timed = Math.Max(0, count - Interlocked.Read(ref _skip)), first = Interlocked.Read(ref _first), last = Interlocked.Read(ref _last) });
        });
        app.MapPost("/reset", (long? skip) =>
        {
            Interlocked.Exchange(ref _skip, skip ?? 0);
            Interlocked.Exchange(ref _count, 0);
            Interlocked.Exchange(ref _first, 0);
            Interlocked.Exchange(ref _last, 0);
            return Results.Ok();
        });
        app.MapGet("/sample", () => _sample is { } sample ? Results.Ok(sample) : Results.NotFound());
        await app.StartAsync(stop);
        Console.WriteLine($"webhook receiver on http://127.0.0.1:{port}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        return 0;
    }

    private static async Task<IResult> CountAsync(HttpRequest request)
    {
        var body = await ReadAsync(request);
        var now = Stopwatch.GetTimestamp();
        var n = Interlocked.Increment(ref _count);
        var skip = Interlocked.Read(ref _skip);
        if (n == skip + 1)
        {
            Interlocked.Exchange(ref _first, now);
        }

        if (n == 1)
        {
            _sample ??= new Sample(
                Convert.ToBase64String(body),
                request.Headers["webhook-id"].ToString(),
                request.Headers["webhook-timestamp"].ToString(),
                request.Headers["webhook-signature"].ToString());
        }

        // Deliveries run concurrently: keep the latest timestamp, not the last writer's.
        long seen;
        while (n > skip && (seen = Interlocked.Read(ref _last)) < now && Interlocked.CompareExchange(ref _last, now, seen) != seen)
        {
        }

        return Results.NoContent();
    }

    private static async Task EchoAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var body = await ReadAsync(context.Request);
        using var delivery = JsonDocument.Parse(body);
        var message = delivery.RootElement.GetProperty("data").GetProperty("message").GetString() ?? "";
        // The stamp is the payload's prefix up to the second ';' (run=ID;t=TICKS;).
        var end = message.IndexOf(';', message.IndexOf(';', StringComparison.Ordinal) + 1);
        var reply = Encoding.ASCII.GetBytes($"{message[..(end + 1)]}h={Stopwatch.GetTimestamp() - start};");
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = reply.Length;
        await context.Response.Body.WriteAsync(reply);
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        var body = new byte[(int)(request.ContentLength ?? 0)];
        await request.Body.ReadExactlyAsync(body, request.HttpContext.RequestAborted);
        return body;
    }

    internal sealed record Sample(string BodyBase64, string Id, string Timestamp, string Signature);
}
