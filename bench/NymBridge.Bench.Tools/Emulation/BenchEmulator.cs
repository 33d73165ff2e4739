using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using NymBridge.Emulator;
using NymBridge.Protocol;

namespace NymBridge.Bench.Tools.Emulation;

/// <summary>
/// The nym-client emulator in discard mode (nothing recorded) on <c>--port</c>, plus a control API on
/// <c>--control-port</c> that makes it push Received frames:
/// <list type="bullet">
/// <item><c>POST /flood?count=N&amp;size=S</c>: N frames as fast as the client reads them; answers when all are written.</item>
/// <item><c>POST /paced?rate=R&amp;seconds=T&amp;size=S&amp;run=ID</c>: R frames a second for T seconds, each stamped with the time it is handed to the writer.</item>
/// <item><c>POST /one?size=S&amp;run=ID</c>: one stamped frame.</item>
/// </list>
/// <c>/paced</c> and <c>/one</c> take <c>tag=true</c>: the frame carries a fresh sender tag, as an anonymous message does.
/// With <c>--replies</c> the emulator also times the Reply frames the client writes back (the webhook benchmark):
/// <c>GET /replies?run=ID</c> answers, per Reply whose payload starts with that run's stamp, the milliseconds from the
/// stamp to the moment the emulator read the Reply, and the receiver's own time the payload carries (<c>h=TICKS;</c>).
/// Stamps are <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC, the same clock in every process on
/// the machine), written as ASCII at the start of the payload: <c>run=ID;t=TICKS;</c> then filler. The
/// payload is ASCII so the bridge's events carry it as <c>message</c> text.
/// </summary>
internal static class BenchEmulator
{
    /// <summary>Frames handed to the emulator and not yet written: enough to keep its writer busy, not a backlog.</summary>
    private const int Window = 512;

    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        // Connection events (accepted, refused, dropped and why) at Information: a benchmark must show when its client lost the emulator.
        using var loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddSimpleConsole(console => console.SingleLine = true));
        var replies = args.Flag("replies");
        await using var emulator = new NymClientEmulator(new EmulatorOptions { Port = args.Int("port", 1977), RecordFrames = replies }, loggerFactory);
        await emulator.StartAsync(stop);
        var timed = new ReplyTimes();
        if (replies)
        {
            // The emulator has no hook per request; a waiter that never matches sees every message the moment it is read.
            _ = emulator.WaitForFrameAsync(frame => timed.Offer(frame.Data), Timeout.InfiniteTimeSpan);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, args.Int("control-port", 1978)));
        var app = builder.Build();
        app.MapGet("/connected", () => emulator.IsClientConnected ? Results.Ok() : Results.StatusCode(503));
        app.MapPost("/flood", (int count, int? size) => FloodAsync(emulator, count, size ?? 1024));
        app.MapPost("/paced", (int rate, double seconds, int? size, string? run, bool? tag) => PacedAsync(emulator, rate, seconds, size ?? 1024, run ?? "0", tag == true));
        app.MapPost("/one", async (int? size, string? run, bool? tag) =>
        {
            var t = Stopwatch.GetTimestamp();
            await emulator.InjectReceivedAsync(Stamped(size ?? 1024, run ?? "0", t), tag == true ? NewTag() : null);
            return Results.Ok(new { t });
        });
        app.MapGet("/replies", (string run) => Results.Ok(timed.Take(run)));
        await app.StartAsync(stop);
        Console.WriteLine($"emulator on {emulator.Url} control on http://127.0.0.1:{args.Int("control-port", 1978)}");
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

    private static async Task<IResult> FloodAsync(NymClientEmulator emulator, int count, int size)
    {
        if (!emulator.IsClientConnected)
        {
            return Results.Problem("No client is connected.", statusCode: 503);
        }

        var payload = Stamped(size, "flood", 0);
        var pending = new Queue<Task>(Window);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            if (pending.Count == Window)
            {
                await pending.Dequeue();
            }

            // The emulator copies the payload, as nym-client hands over a fresh buffer per message.
            pending.Enqueue(emulator.InjectReceivedAsync(payload));
        }

        await Task.WhenAll(pending);
        var end = Stopwatch.GetTimestamp();
        return Results.Ok(new { count, start, end, seconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds });
    }

    private static async Task<IResult> PacedAsync(NymClientEmulator emulator, int rate, double seconds, int size, string run, bool tag)
    {
        if (!emulator.IsClientConnected)
        {
            return Results.Problem("No client is connected.", statusCode: 503);
        }

        var total = (long)(rate * seconds);
        var sent = 0L;
        var pending = new Queue<Task>(Window);
        var start = Stopwatch.GetTimestamp();
        var behind = 0L;
        while (sent < total)
        {
            var due = Math.Min(total, (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate) + 1);
            while (sent < due)
            {
                if (pending.Count == Window)
                {
                    // The client does not keep up; waiting here makes the stamps say so.
                    behind++;
                    await pending.Dequeue();
                }

                pending.Enqueue(emulator.InjectReceivedAsync(Stamped(size, run, Stopwatch.GetTimestamp()), tag ? NewTag() : null));
                sent++;
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(pending);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return Results.Ok(new { sent, seconds = elapsed, rate = sent / elapsed, windowFull = behind });
    }

    private static SenderTag NewTag() => SenderTag.FromBytes(RandomNumberGenerator.GetBytes(SenderTag.Length));

    private static byte[] Stamped(int size, string run, long timestamp)
    {
        var payload = new byte[Math.Max(size, 64)];
        payload.AsSpan().Fill((byte)'x');
        var prefix = $"run={run};t={timestamp};";
        System.Text.Encoding.ASCII.GetBytes(prefix, payload);
        return payload;
    }

    /// <summary>Reads the stamp back; -1 when the text is not one of ours.</summary>
    public static long ReadStamp(ReadOnlySpan<char> message, ReadOnlySpan<char> run)
    {
        if (!message.StartsWith("run=") || !message[4..].StartsWith(run) || !message[(4 + run.Length)..].StartsWith(";t="))
        {
            return -1;
        }

        var rest = message[(4 + run.Length + 3)..];
        var end = rest.IndexOf(';');
        return end > 0 && long.TryParse(rest[..end], System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : -1;
    }
}
