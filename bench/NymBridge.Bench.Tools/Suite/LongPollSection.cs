namespace NymBridge.Bench.Tools.Suite;

/// <summary>Issue 6 §4: 10,000 concurrent replay long-polls held open, then one event answers them all.</summary>
internal static class LongPollSection
{
    public static async Task RunAsync(SuiteContext ctx)
    {
        var section = ctx.Report.Section("4. Long-poll: concurrent GET /messages?after=N&wait=30");
        var count = ctx.Count(10_000);
        section.Text($"`longpoll` (own process): after two warm-up rounds of 1,000, {count:N0} requests, one TCP connection each, opened 500 at a time. Three seconds after the " +
                     "last connection is up the bridge's RSS is read, then the emulator pushes one 1 KiB event and every request's time to its " +
                     "complete response is measured from the emulator's stamp; CPU per answer is each process's CPU time from that push to the last answer " +
                     "over the answers. bench/run.sh raises `ulimit -n` for this.");
        await using var emulator = await ctx.StartEmulatorAsync(section, "longpoll-emulator");
        await using var bridge = await ctx.StartBridgeAsync(section, "longpoll-bridge", emulator, "Memory");
        Console.WriteLine($"long-poll (load {SuiteContext.LoadAverage()})");
        var result = await ctx.RunToolAsync(section, "longpoll", TimeSpan.FromMinutes(4), "longpoll",
            "--bridge", bridge.Url.ToString(), "--control", emulator.Control.ToString(), "--pid", SuiteContext.Inv(bridge.Pid), "--count", SuiteContext.Inv(count));
        var answered = result.GetProperty("answered").GetInt32();
        var held = result.GetProperty("rssHeld").GetInt64();
        var p99 = result.Number("p99Ms");
        section.Table(["requests", "connected", "opened in", "answered early", "answered with the event", "RSS before", "RSS while held", "p50", "p99", "max", "bridge CPU µs/answer", "load process CPU µs/answer"],
        [[
            $"{count:N0}", $"{result.GetProperty("connected").GetInt32():N0}", $"{Measure.F(result.Number("openSeconds"), 1)} s",
            $"{result.GetProperty("early").GetInt32():N0}", $"{answered:N0}", Stats.MiB(result.GetProperty("rssBefore").GetInt64()), Stats.MiB(held),
            Stats.Ms(result.Number("p50Ms")), Stats.Ms(p99), Stats.Ms(result.Number("maxMs")),
            Measure.F(result.Number("bridgeCpuUsPerAnswer"), 1), Measure.F(result.Number("loadCpuUsPerAnswer"), 1),
        ]]);
        var warmups = result.GetProperty("warmups").EnumerateArray().ToList();
        if (warmups.Count > 0)
        {
            section.Text("Before it, on the same bridge, warm-up rounds of the same kind (not judged; the first one also JIT-compiles the answer path " +
                         "of a freshly started bridge): " + string.Join("; ", warmups.Select((w, i) =>
                             $"round {i + 1}: {w.GetProperty("count").GetInt32():N0} long-polls, {w.GetProperty("answered").GetInt32():N0} answered, " +
                             $"p50 {Stats.Ms(w.Number("p50"))}, p99 {Stats.Ms(w.Number("p99"))}")) + ".");
        }

        ctx.Report.Target(new Target("4a", $"bridge RSS with {count:N0} long-polls held", Stats.MiB(held), "< 1 GiB", Stats.Ratio(held, 1L << 30), held < 1L << 30));
        var cpu = result.Number("bridgeCpuUsPerAnswer");
        ctx.Report.Target(new Target("4b", $"one event → all {count:N0} long-polls answered: p99, and bridge CPU per answer",
            $"{Stats.Ms(p99)}, {Measure.F(cpu, 1)} µs ({answered:N0} of {count:N0} answered)", "< 250 ms and ≤ 15 µs",
            $"{Stats.Ratio(p99, 250)}; {Stats.Ratio(cpu, 15)}", p99 < 250 && cpu <= 15 && answered == count));
    }
}
