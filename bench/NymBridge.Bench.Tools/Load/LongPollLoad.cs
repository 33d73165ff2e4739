using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace NymBridge.Bench.Tools.Load;

/// <summary>
/// Holds <c>--count</c> concurrent <c>GET /messages?after=N&amp;wait=30</c> (one TCP connection each),
/// reports the bridge's RSS while they wait, then has the emulator push one event and times how long
/// each long-poll takes to receive its whole answer, from the emulator's stamp.
/// </summary>
internal static class LongPollLoad
{
    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var bridge = new Uri(args.Require("bridge"));
        var control = new Uri(args.Require("control"));
        var pid = args.Int("pid", 0);
        var count = args.Int("count", 10_000);
        var warmupRounds = args.Int("warmup-rounds", 2);
        var warmupCount = args.Int("warmup-count", 1_000);

        var connected = 0;
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                Interlocked.Increment(ref connected);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        using var controlClient = new HttpClient { BaseAddress = control, Timeout = TimeSpan.FromSeconds(30) };

        // Warm-up rounds first: the very first event through a freshly started bridge also pays for
        // JIT-compiling the whole answer path (a profile of a cold round: about a third of the CPU in the
        // JIT and runtime), which a bridge that has served a few answers has long done.
        var warmups = new List<object>();
        for (var round = 0; round < warmupRounds; round++)
        {
            var warm = await RoundAsync(client, controlClient, bridge, pid, warmupCount, () => Volatile.Read(ref connected), stop);
            warmups.Add(new { count = warmupCount, warm.Answered, warm.P50, warm.P99, warm.BridgeCpuUsPerAnswer });
        }

        var measured = await RoundAsync(client, controlClient, bridge, pid, count, () => Volatile.Read(ref connected), stop);
        Measure.PrintResult(new
        {
            count,
            connected = measured.Connected,
            openSeconds = measured.OpenSeconds,
            early = measured.Early,
            answered = measured.Answered,
            failed = count - measured.Answered,
            rssBefore = measured.RssBefore,
            rssHeld = measured.RssHeld,
            peak = Measure.Memory(pid).Peak,
            p50Ms = measured.P50,
            p99Ms = measured.P99,
            maxMs = measured.Max,
            bridgeCpuUsPerAnswer = measured.BridgeCpuUsPerAnswer,
            loadCpuUsPerAnswer = measured.LoadCpuUsPerAnswer,
            warmups,
        });
        return 0;
    }

    private sealed record Round(
        int Connected, double OpenSeconds, int Early, int Answered, long RssBefore, long RssHeld, double P50, double P99, double Max,
        double BridgeCpuUsPerAnswer, double LoadCpuUsPerAnswer);

    /// <summary>Opens <paramref name="count"/> long-polls, has the emulator push one event and times every answer from its stamp.</summary>
    private static async Task<Round> RoundAsync(
        HttpClient client, HttpClient controlClient, Uri bridge, int pid, int count, Func<int> connected, CancellationToken stop)
    {
        var after = await BridgeProbe.LastSeqAsync(controlClient, bridge, stop);
        var url = new Uri(bridge, $"/messages?after={after}&wait=30");
        var rssIdle = Measure.Memory(pid);
        var opening = Stopwatch.StartNew();
        var polls = new List<Task<(long Done, bool Ok)>>(count);
        var connectedBefore = connected();
        const int Batch = 500;
        for (var i = 0; i < count; i++)
        {
            polls.Add(PollAsync(client, url, stop));
            if ((i + 1) % Batch == 0)
            {
                // Let the listen backlog drain before the next burst of SYNs (connections left from an
                // earlier round are reused and need no new one).
                for (var w = 0; w < 200 && connected() < Math.Max(connectedBefore, i + 1); w++)
                {
                    await Task.Delay(10, stop);
                }
            }
        }

        for (var w = 0; w < 1000 && connected() < Math.Max(connectedBefore, count); w++)
        {
            await Task.Delay(10, stop);
        }

        var openSeconds = opening.Elapsed.TotalSeconds;
        // Give the last requests time to reach the bridge and park.
        await Task.Delay(TimeSpan.FromSeconds(3), stop);
        var held = Measure.Memory(pid);
        var early = polls.Count(p => p.IsCompleted);

        // CPU from the push to the last answer: what answering the parked requests costs the bridge, and this process.
        var bridgeCpuBefore = pid > 0 ? Measure.CpuSeconds(pid) : 0;
        var ownCpuBefore = Environment.CpuUsage.TotalTime;
        var one = await controlClient.PostAsync(new Uri("/one?size=1024&run=lp", UriKind.Relative), null, stop);
        one.EnsureSuccessStatusCode();
        var stamp = (await one.Content.ReadFromJsonAsync<Stamp>(Measure.Json, stop))!.T;
        var results = await Task.WhenAll(polls);
        var bridgeCpu = pid > 0 ? Measure.CpuSeconds(pid) - bridgeCpuBefore : double.NaN;
        var ownCpu = (Environment.CpuUsage.TotalTime - ownCpuBefore).TotalSeconds;
        var latencies = results.Where(r => r.Ok && r.Done >= stamp).Select(r => Measure.Milliseconds(stamp, r.Done)).ToArray();
        double PerAnswerUs(double seconds) => latencies.Length > 0 ? seconds / latencies.Length * 1e6 : double.NaN;
        return new Round(
            connected(), openSeconds, early, latencies.Length, rssIdle.Rss, held.Rss,
            Measure.Percentile(latencies, 50), Measure.Percentile(latencies, 99), latencies.Length > 0 ? latencies[^1] : double.NaN,
            PerAnswerUs(bridgeCpu), PerAnswerUs(ownCpu));
    }

    private static async Task<(long Done, bool Ok)> PollAsync(HttpClient client, Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var done = Stopwatch.GetTimestamp();
            return (done, response.IsSuccessStatusCode && body.Contains("\"seq\"", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (Stopwatch.GetTimestamp(), false);
        }
    }

    private sealed record Stamp(long T);
}
