using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NymBridge.Bench.Tools.Emulation;

namespace NymBridge.Bench.Tools.Load;

/// <summary>
/// Fan-out: <c>--subscribers</c> SignalR clients on the bridge's hub. A ramp over <c>--ramp</c> rates,
/// each for <c>--step-seconds</c>, finds the highest inbound rate every subscriber keeps up with; then
/// a latency run at each of <c>--latency-rates</c> (default: <c>--rate</c>): the emulator pushes that many stamped
/// frames a second for <c>--seconds</c>, and every delivery's latency is the subscriber's clock minus the stamp.
/// </summary>
internal static class SignalRLoad
{
    /// <summary>A step is kept up with when every subscriber has every event this long after the emulator wrote the last one...</summary>
    private static readonly TimeSpan DrainAllowance = TimeSpan.FromSeconds(2);

    /// <summary>...and the p99 latency stays under this: a backlog that only drains later is not keeping up.</summary>
    private const double KeepUpP99Ms = 250;

    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        // One URL, or several separated by commas: the subscribers are spread over them round robin (cluster mode).
        var bridges = args.Require("bridge").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)).ToList();
        var control = new Uri(args.Require("control"));
        var subscriberCount = args.Int("subscribers", 100);
        var rate = args.Int("rate", 1000);
        var latencyRates = args.Ints("latency-rates", rate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var seconds = args.Double("seconds", 10);
        var ramp = args.Ints("ramp", "");
        var stepSeconds = args.Double("step-seconds", 3);
        var bridgePid = args.Int("pid", 0);

        var recorder = new DeliveryRecorder(subscriberCount);
        var connections = new List<HubConnection>();
        for (var i = 0; i < subscriberCount; i++)
        {
            var connection = Subscribers.Create(bridges[i % bridges.Count]);
            var index = i;
            connection.On<ReceivedEvent>("received", e => recorder.Record(index, e.Message));
            connections.Add(connection);
        }

        await Subscribers.StartAllAsync(connections, 20, stop);
        using var http = new HttpClient { BaseAddress = control, Timeout = TimeSpan.FromMinutes(2) };

        // The ramp first, from a clean start; then the latency run at --rate. Whichever comes second
        // starts only once the backlog of the first has arrived (see WaitQuietAsync).
        // Warm-up, not judged: the bridge's first seconds of fan-out run unoptimized (tiered JIT) code.
        var warmup = await RunStepAsync(http, recorder, bridgePid, "warm", args.Int("warmup-rate", 200), args.Double("warmup-seconds", 8), stop);
        var steps = new List<Step>();
        foreach (var stepRate in ramp)
        {
            var step = await RunStepAsync(http, recorder, bridgePid, $"r{stepRate}", stepRate, stepSeconds, stop);
            steps.Add(step);
            Console.WriteLine($"step {stepRate}/s: kept up {step.KeptUp}, delivered {step.Delivered}/{step.Expected}, p99 {step.P99Ms:F1} ms");
            if (!step.KeptUp)
            {
                break;
            }
        }

        var latencies = new List<Step>();
        foreach (var latencyRate in latencyRates)
        {
            latencies.Add(await RunStepAsync(http, recorder, bridgePid, $"lat{latencyRate}", latencyRate, seconds, stop));
        }

        await Subscribers.StopAllAsync(connections);
        var best = steps.Where(s => s.KeptUp).MaxBy(s => s.Rate);
        Measure.PrintResult(new
        {
            subscribers = subscriberCount,
            warmup,
            latency = latencies[^1],
            latencies,
            steps,
            maxRate = best?.Rate ?? 0,
            maxDeliveriesPerSecond = best is null ? 0 : (long)best.Rate * subscriberCount,
        });
        return 0;
    }

    private static async Task<Step> RunStepAsync(HttpClient http, DeliveryRecorder recorder, int bridgePid, string run, int rate, double seconds, CancellationToken stop)
    {
        var cpuBefore = bridgePid > 0 ? Measure.CpuSeconds(bridgePid) : 0;
        var ownCpuBefore = Environment.CpuUsage.TotalTime;
        var expectedPerSubscriber = (long)(rate * seconds);
        recorder.Begin(run, expectedPerSubscriber);
        var start = Stopwatch.GetTimestamp();
        var response = await http.PostAsync(new Uri($"/paced?rate={rate}&seconds={seconds}&size=1024&run={run}", UriKind.Relative), null, stop);
        response.EnsureSuccessStatusCode();
        var paced = await response.Content.ReadFromJsonAsync<PacedResult>(Measure.Json, stop);
        var written = Stopwatch.GetTimestamp();
        var complete = await recorder.WaitCompleteAsync(DrainAllowance, stop);
        var drained = Stopwatch.GetTimestamp();
        // A step that fell behind leaves a backlog on its way to the subscribers: let it arrive (and count
        // it, with its real latency) before the next step starts. Keeping up is judged on the allowance above.
        await recorder.WaitQuietAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(60), stop);
        var snapshot = recorder.End();
        var ownCpuPerDelivery = snapshot.Delivered > 0 ? (Environment.CpuUsage.TotalTime - ownCpuBefore).TotalMicroseconds / snapshot.Delivered : double.NaN;
        var cpuPerDelivery = bridgePid > 0 && snapshot.Delivered > 0 ? (Measure.CpuSeconds(bridgePid) - cpuBefore) / snapshot.Delivered * 1e6 : double.NaN;
        var p50 = Measure.Percentile(snapshot.Latencies, 50);
        var p99 = Measure.Percentile(snapshot.Latencies, 99);
        var max = snapshot.Latencies.Length > 0 ? snapshot.Latencies[^1] : double.NaN;
        var activeSeconds = Measure.Milliseconds(start, snapshot.LastDelivery > 0 ? snapshot.LastDelivery : drained) / 1000;
        return new Step(
            rate, seconds, paced?.Rate ?? 0, paced?.WindowFull ?? 0, expectedPerSubscriber * recorder.Subscribers, snapshot.Delivered,
            snapshot.Latencies.Length == 0 ? 0 : snapshot.Delivered / activeSeconds, p50, p99, max,
            complete && p99 <= KeepUpP99Ms, Measure.Milliseconds(written, drained), cpuPerDelivery, ownCpuPerDelivery);
    }

    private sealed record ReceivedEvent(long Seq, string? Message);

    private sealed record PacedResult(long Sent, double Seconds, double Rate, long WindowFull);

    /// <param name="Rate">Inbound events a second asked of the emulator; <paramref name="AchievedRate"/> is what it managed.</param>
    /// <param name="WindowFull">Times the emulator had to wait for the bridge to read (0 when the bridge kept up).</param>
    /// <param name="DrainMs">From the emulator writing the last frame to the last delivery (or the allowance running out).</param>
    /// <param name="BridgeCpuUsPerDelivery">The bridge's CPU time during the step over the deliveries made (with <c>--pid</c>).</param>
    /// <param name="LoadCpuUsPerDelivery">This load process's own CPU time (all subscribers) over the deliveries made.</param>
    internal sealed record Step(
        int Rate, double Seconds, double AchievedRate, long WindowFull, long Expected, long Delivered, double DeliveriesPerSecond,
        double P50Ms, double P99Ms, double MaxMs, bool KeptUp, double DrainMs, double BridgeCpuUsPerDelivery, double LoadCpuUsPerDelivery);

    /// <summary>Latencies of one step across all subscribers, lock-free: one slot per expected delivery.</summary>
    private sealed class DeliveryRecorder(int subscribers)
    {
        private readonly long[] _counts = new long[subscribers];
        private volatile string _run = "";
        private double[] _latencies = [];
        private long _next;
        private long _expectedEach;
        private long _lastDelivery;
        private TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _completeSubscribers;

        public int Subscribers => subscribers;

        public void Begin(string run, long expectedEach)
        {
            Array.Clear(_counts);
            _latencies = new double[expectedEach * subscribers];
            _next = 0;
            _expectedEach = expectedEach;
            _completeSubscribers = 0;
            _lastDelivery = 0;
            _complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _run = run;
        }

        private long _lastAny;

        /// <summary>Waits until no event of any run has arrived for <paramref name="quiet"/> (at most <paramref name="limit"/>).</summary>
        public async Task WaitQuietAsync(TimeSpan quiet, TimeSpan limit, CancellationToken cancellationToken)
        {
            var start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastAny)) < quiet && Stopwatch.GetElapsedTime(start) < limit)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        public void Record(int subscriber, string? message)
        {
            var now = Stopwatch.GetTimestamp();
            Volatile.Write(ref _lastAny, now);
            var stamp = message is null ? -1 : BenchEmulator.ReadStamp(message, _run);
            if (stamp < 0)
            {
                return;
            }

            var slot = Interlocked.Increment(ref _next) - 1;
            var latencies = _latencies;
            if (slot < latencies.Length)
            {
                latencies[slot] = Measure.Milliseconds(stamp, now);
            }

            Volatile.Write(ref _lastDelivery, now);
            if (Interlocked.Increment(ref _counts[subscriber]) == _expectedEach
                && Interlocked.Increment(ref _completeSubscribers) == subscribers)
            {
                _complete.TrySetResult();
            }
        }

        public async Task<bool> WaitCompleteAsync(TimeSpan allowance, CancellationToken cancellationToken)
        {
            try
            {
                await _complete.Task.WaitAsync(allowance, cancellationToken);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public (double[] Latencies, long Delivered, long LastDelivery) End()
        {
            _run = "(ended)";
            var delivered = Math.Min(Interlocked.Read(ref _next), _latencies.Length);
            return (_latencies[..(int)delivered], delivered, Volatile.Read(ref _lastDelivery));
        }
    }
}
