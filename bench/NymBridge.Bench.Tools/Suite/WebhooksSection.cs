using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using NymBridge.Bench.Tools.Load;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>
/// Issue 10's benchmark. Throughput: deliveries/s from a filled inbox to <c>webhook-receiver</c>, against a bare
/// HttpClient loop posting the same body to the same receiver with the same concurrency, alternating. Latency: the
/// emulator pushes 100 anonymous (tagged) events a second, the receiver echoes each one's stamp, and the emulator
/// times the Reply frame the bridge writes back; what the bridge adds is that time minus the receiver's own.
/// </summary>
internal static class WebhooksSection
{
    private const int Concurrency = 4;
    private const int Rate = 100;

    public static async Task RunAsync(SuiteContext ctx)
    {
        var section = ctx.Report.Section("7. Webhooks: deliveries to a local receiver, and webhook answers as replies");
        var count = ctx.Count(30_000);
        var rounds = ctx.Quick ? 2 : 3;
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        ctx.Redact(secret, "$WEBHOOK_SECRET");
        // Every run is a fresh process, and for its first 5–8 s a fresh .NET process spends up to half its CPU
        // tiering up its JIT (bench/NOTES.md, 2026-12-02 17:00): a long-running bridge does not. Both sides
        // therefore send a warm-up first, untimed, and the rate is that of the deliveries after it. The warm-up is
        // counted in deliveries, so it must outlast those seconds at the bridge's rate: since the journal
        // (2026-12-03) 30,000 ended in the 5th second, before the rate had settled (NOTES.md).
        var warmup = ctx.Count(120_000);
        var total = warmup + count;
        // The default Inbox:Capacity (100,000) would evict the oldest of them.
        string[] capacity = [$"--Inbox:Capacity={SuiteContext.Inv(total)}"];
        section.Text($"Throughput: the inbox (SQLite) is filled with {total:N0} Received events of 1 KiB by a bridge without webhooks, which then stops. " +
                     $"Each bridge run starts the bridge on that file with one new endpoint (`StartFrom=oldest`, `Concurrency={Concurrency}`, the default) " +
                     "pointed at `webhook-receiver` (own process, minimal Kestrel, answers 204: no reply, no signature check), and ends when the receiver " +
                     $"has counted {total:N0} deliveries. Each baseline run is `webhook-client` (own process): a bare HttpClient loop, {Concurrency} in flight, " +
                     "posting the body and webhook headers of the bridge's first delivery to the same receiver, as many times. Both rates are the " +
                     $"receiver's, over the last {count:N0}: the first {warmup:N0} of each run are a warm-up, not timed (a fresh process spends its first " +
                     "seconds of CPU compiling its hot code again at a higher tier; a bridge that has run a while does not). Runs alternate bridge and baseline; round 0 warms the receiver up and is not counted.");
        var port = SuiteContext.FreePort();
        await using var receiver = ctx.StartTool(section, "webhook-receiver", "webhook-receiver", "--port", SuiteContext.Inv(port));
        var receiverUrl = new Uri($"http://127.0.0.1:{port}/");
        await SuiteContext.WaitUntilAsync(() => Ok(ctx, new Uri(receiverUrl, "/stats")), TimeSpan.FromSeconds(60), "the webhook receiver to listen", receiver);

        await using (var emulator = await ctx.StartEmulatorAsync(section, "webhooks-fill-emulator"))
        {
            await using var fill = await ctx.StartBridgeAsync(section, "webhooks-fill-bridge", emulator, "Sqlite", capacity, database: "webhooks-inbox");
            section.Command($"POST {emulator.Control}flood?count={total}&size=1024, then wait for seq {total} in the inbox");
            using (var flood = await ctx.Http.PostAsync(new Uri(emulator.Control, $"/flood?count={total}&size=1024"), null))
            {
                flood.EnsureSuccessStatusCode();
            }

            await BridgeProbe.WaitForSeqAsync(ctx.Http, fill.Url, total, TimeSpan.FromMinutes(3), CancellationToken.None);
        }

        var runs = new List<(string Name, double Rate, string Cpu)>();
        var bridgeRates = new List<double>();
        var baselineRates = new List<double>();
        await using (var emulator = await ctx.StartEmulatorAsync(section, "webhooks-deliver-emulator"))
        {
            // The receiver is one process for all runs and tiers up too: without a round 0, each baseline run met a
            // receiver warmer than the bridge run before it had (rounds rose 35,155 → 41,883 → 48,881/s). Round 0
            // runs both sides and counts neither.
            for (var round = 0; round <= rounds; round++)
            {
                Console.WriteLine($"webhooks bridge round {round} (load {SuiteContext.LoadAverage()})");
                await ResetAsync(ctx, receiverUrl, warmup);
                var endpoint = $"--Webhooks:Endpoints:run{round}";
                await using (var bridge = await ctx.StartBridgeAsync(section, $"webhooks-deliver-bridge-{round}", emulator, "Sqlite",
                                 [.. capacity, $"{endpoint}:Url={receiverUrl}count", $"{endpoint}:Secret={secret}", $"{endpoint}:StartFrom=oldest", $"{endpoint}:Concurrency={Concurrency}"],
                                 database: "webhooks-inbox"))
                {
                    await WaitForCountAsync(ctx, receiverUrl, warmup, TimeSpan.FromMinutes(5));
                    var cpuBefore = bridge.CpuSeconds();
                    var stats = await WaitForCountAsync(ctx, receiverUrl, total, TimeSpan.FromMinutes(5));
                    var rate = RateOf(stats);
                    if (round > 0)
                    {
                        bridgeRates.Add(rate);
                    }

                    runs.Add(($"bridge, round {Round(round)}", rate, $"bridge {Measure.F((bridge.CpuSeconds() - cpuBefore) / count * 1e6, 1)} µs/delivery after the warm-up"));
                }

                Console.WriteLine($"webhooks baseline round {round} (load {SuiteContext.LoadAverage()})");
                await ResetAsync(ctx, receiverUrl, warmup);
                var client = await ctx.RunToolAsync(section, $"webhook-client-{round}", TimeSpan.FromMinutes(5), "webhook-client",
                    "--receiver", receiverUrl.ToString(), "--count", SuiteContext.Inv(total), "--concurrency", SuiteContext.Inv(Concurrency));
                var baseline = RateOf(await WaitForCountAsync(ctx, receiverUrl, total, TimeSpan.FromSeconds(30)));
                if (round > 0)
                {
                    baselineRates.Add(baseline);
                }

                runs.Add(($"baseline (bare HttpClient), round {Round(round)}", baseline, $"{client.GetProperty("failures").GetInt64()} failed posts"));
            }
        }

        section.Table(["run (in order)", "deliveries/s at the receiver", "note"], runs.Select(r => (IReadOnlyList<string>)[r.Name, Stats.PerSecond(r.Rate), r.Cpu]));
        var ratio = Stats.Median(bridgeRates) / Stats.Median(baselineRates);
        ctx.Report.Target(new Target("7a", $"webhook deliveries/s from the inbox vs a bare HttpClient loop (concurrency {Concurrency}, 1 KiB events, medians)",
            $"{Stats.PerSecond(Stats.Median(bridgeRates))} vs {Stats.PerSecond(Stats.Median(baselineRates))}: ratio {Measure.F(ratio, 2)}",
            "≥ 0.7", Stats.Ratio(ratio, 0.7), ratio >= 0.7));

        await EndToEndAsync(ctx, section, receiverUrl, secret);
    }

    private static async Task EndToEndAsync(SuiteContext ctx, ReportSection section, Uri receiverUrl, string secret)
    {
        var seconds = ctx.Seconds(30);
        // Long enough for the fresh process's JIT to tier up the path (see the throughput's warm-up).
        var warmup = Math.Max(3, ctx.Seconds(20));
        section.Text($"End to end: the emulator (`--replies`) pushes {Rate} anonymous 1 KiB events a second for {seconds} s (after a {SuiteContext.Inv(warmup)} s warm-up at the same rate, not judged), each " +
                     "stamped with the time it is handed to its writer. The bridge (SQLite store, endpoint `default` with the defaults) delivers each to the " +
                     "receiver's `/echo`, which answers `application/octet-stream` with the stamp and its own handler time; the bridge sends that as a Reply, " +
                     "and the emulator reads the stamp back the moment it reads the Reply frame (both clocks CLOCK_MONOTONIC). Added latency is, per " +
                     "event, that end-to-end time minus the receiver's own time.");
        await using var emulator = await ctx.StartEmulatorAsync(section, "webhooks-e2e-emulator", "--replies");
        await using var bridge = await ctx.StartBridgeAsync(section, "webhooks-e2e-bridge", emulator, "Sqlite",
            [$"--Webhooks:Endpoints:default:Url={receiverUrl}echo", $"--Webhooks:Endpoints:default:Secret={secret}"]);
        await PacedAsync(ctx, section, emulator, "warmup", warmup);
        Console.WriteLine($"webhooks end to end (load {SuiteContext.LoadAverage()})");
        var (sent, endToEnd, receiverTimes) = await PacedAsync(ctx, section, emulator, "e2e", seconds);
        var added = endToEnd.Zip(receiverTimes, (e, r) => e - r).ToArray();
        double P(double[] values, double p) => Measure.Percentile([.. values], p);
        section.Table(["events", "replies", "end to end p50", "p99", "max", "receiver's own p50", "p99", "added p50", "added p99"],
            [[SuiteContext.Inv(sent), SuiteContext.Inv(endToEnd.Length), Stats.Ms(P(endToEnd, 50)), Stats.Ms(P(endToEnd, 99)), Stats.Ms(P(endToEnd, 100)),
              Stats.Ms(P(receiverTimes, 50)), Stats.Ms(P(receiverTimes, 99)), Stats.Ms(P(added, 50)), Stats.Ms(P(added, 99))]]);
        ctx.Report.Target(new Target("7b", $"every anonymous event answered by the webhook comes back as one Reply ({Rate} events/s)",
            $"{endToEnd.Length:N0} replies for {sent:N0} events", "all, once", "", endToEnd.Length == sent));
        var p99 = P(added, 99);
        ctx.Report.Target(new Target("7c", $"added latency p99, inbound frame → webhook → Reply frame, over the receiver's own time ({Rate} events/s; end to end p50 {Stats.Ms(P(endToEnd, 50))}, p99 {Stats.Ms(P(endToEnd, 99))})",
            Stats.Ms(p99), "≤ 5 ms", Stats.Ratio(p99, 5), p99 <= 5));
    }

    private static async Task<(long Sent, double[] EndToEnd, double[] Receiver)> PacedAsync(SuiteContext ctx, ReportSection section, Emulator emulator, string run, double seconds)
    {
        section.Command($"POST {emulator.Control}paced?rate={Rate}&seconds={SuiteContext.Inv(seconds)}&size=1024&tag=true&run={run}, then GET {emulator.Control}replies?run={run}");
        using var paced = await ctx.Http.PostAsync(new Uri(emulator.Control, $"/paced?rate={Rate}&seconds={SuiteContext.Inv(seconds)}&size=1024&tag=true&run={run}"), null);
        paced.EnsureSuccessStatusCode();
        var sent = (await paced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sent").GetInt64();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var replies = await ctx.Http.GetFromJsonAsync<JsonElement>(new Uri(emulator.Control, $"/replies?run={run}"));
            // Replies still on their way come within a second; a lost one never does, and the target says so.
            if (replies.GetProperty("count").GetInt64() >= sent || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return (sent, Doubles(replies.GetProperty("endToEndMs")), Doubles(replies.GetProperty("receiverMs")));
            }

            await Task.Delay(100);
        }
    }

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    private static async Task<bool> Ok(SuiteContext ctx, Uri url)
    {
        try
        {
            using var response = await ctx.Http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string Round(int round) => round == 0 ? "0 (warm-up, not counted)" : SuiteContext.Inv(round);

    private static async Task ResetAsync(SuiteContext ctx, Uri receiver, long untimed)
    {
        using var response = await ctx.Http.PostAsync(new Uri(receiver, $"/reset?skip={untimed}"), null);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<JsonElement> WaitForCountAsync(SuiteContext ctx, Uri receiver, long count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stats = await ctx.Http.GetFromJsonAsync<JsonElement>(new Uri(receiver, "/stats"));
            if (stats.GetProperty("count").GetInt64() >= count)
            {
                return stats;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The receiver counted {stats.GetProperty("count").GetInt64()} of {count} deliveries in {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Timed deliveries (those after the warm-up) over the receiver's time from the first of them to the last.</summary>
    private static double RateOf(JsonElement stats) =>
        (stats.GetProperty("timed").GetInt64() - 1) / Stopwatch.GetElapsedTime(stats.GetProperty("first").GetInt64(), stats.GetProperty("last").GetInt64()).TotalSeconds;
}
