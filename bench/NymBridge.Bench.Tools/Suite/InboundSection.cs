using System.Diagnostics;
using NymBridge.Bench.Tools.Load;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>
/// Issue 6 §2 (and §5's idle and retained RSS): the emulator floods 1 KiB Received frames as fast as
/// the reader takes them; ingest is timed from the flood's start until the inbox holds the last event.
/// The websocket ceiling is a bare client reading the same flood from its own emulator, in the same run.
/// </summary>
internal static class InboundSection
{
    public static async Task RunAsync(SuiteContext ctx)
    {
        var section = ctx.Report.Section("2. Inbound: Received frames ingested into the inbox");
        var count = ctx.Count(100_000);
        section.Text($"Each run: the emulator (own process) pushes {count:N0} Received frames of 1 KiB (ASCII, so each event also carries the " +
                     "payload as text), at most 512 unwritten at a time. Ingest time runs from asking for the flood until a replay long-poll " +
                     "(`GET /messages?after=last-1`) returns the last event. Ceiling: `raw-reader`, a bare ClientWebSocket reading the same " +
                     "flood from its own emulator and doing nothing with it. Runs alternate ceiling and bridge.");
        var runs = new List<(string Name, double Rate)>();
        var ceilings = new List<double>();
        await using var ceilingEmulator = await ctx.StartEmulatorAsync(section, "ceiling-emulator");

        async Task CeilingAsync()
        {
            var result = await ctx.RunToolAsync(section, "raw-reader", TimeSpan.FromMinutes(3), "raw-reader",
                "--ws", ceilingEmulator.WebSocket.ToString(), "--control", ceilingEmulator.Control.ToString(), "--count", SuiteContext.Inv(count));
            var rate = result.Number("eventsPerSecond");
            ceilings.Add(rate);
            runs.Add(("websocket ceiling (raw reader)", rate));
        }

        var memory = new List<double>();
        var sqlite = new List<double>();
        await using (var emulator = await ctx.StartEmulatorAsync(section, "inbound-memory-emulator"))
        await using (var bridge = await ctx.StartBridgeAsync(section, "inbound-memory-bridge", emulator, "Memory"))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idle = bridge.Memory().Rss;
            section.Text($"Memory-store bridge idle RSS after start-up: {Stats.MiB(idle)}.");
            ctx.Report.Target(new Target("5a'", "idle RSS after start-up (inbound bridge, memory store, connected)", $"{Stats.MiB(idle)} ({Measure.F(idle / 1e6, 1)} MB)", "≤ 100 MB",
                Stats.Ratio(idle, 100e6), idle <= 100e6));

            await CeilingAsync();
            memory.Add(await IngestAsync(ctx, section, bridge, emulator, count, "memory store", runs));
            await Task.Delay(TimeSpan.FromSeconds(3));
            var retained = bridge.Memory().Rss;
            var perEvent = (retained - idle) / (double)count;
            section.Text($"RSS with {count:N0} retained 1 KiB events (memory store, 3 s after the flood): {Stats.MiB(retained)}, " +
                         $"{Stats.KiB(perEvent)} per event over idle.");
            ctx.Report.Target(new Target("5b", $"RSS per retained 1 KiB event over idle ({count:N0} events, memory store)", Stats.KiB(perEvent),
                "≤ 1.5 KiB", Stats.Ratio(perEvent, 1536), perEvent <= 1536));

            await CeilingAsync();
            memory.Add(await IngestAsync(ctx, section, bridge, emulator, count, "memory store", runs));
        }

        await using (var emulator = await ctx.StartEmulatorAsync(section, "inbound-sqlite-emulator"))
        await using (var bridge = await ctx.StartBridgeAsync(section, "inbound-sqlite-bridge", emulator, "Sqlite"))
        {
            await CeilingAsync();
            sqlite.Add(await IngestAsync(ctx, section, bridge, emulator, count, "SQLite store", runs));
            await CeilingAsync();
            sqlite.Add(await IngestAsync(ctx, section, bridge, emulator, count, "SQLite store", runs));
        }

        var ceiling = Stats.Median(ceilings);
        section.Table(["run (in order)", "events/s", "fraction of the median ceiling", "payload MB/s"],
            runs.Select(r => (IReadOnlyList<string>)[r.Name, Stats.PerSecond(r.Rate), Measure.F(r.Rate / ceiling * 100, 1) + "%", Measure.F(r.Rate * 1024 / 1e6, 1)]));
        var memoryRate = Stats.Median(memory);
        var sqliteRate = Stats.Median(sqlite);
        ctx.Report.Target(new Target("2a", "inbound events/s ingested, memory store (median)",
            $"{Stats.PerSecond(memoryRate)} ({Measure.F(memoryRate / ceiling * 100, 1)}% of the websocket ceiling {Stats.PerSecond(ceiling)})",
            "≥ 50,000/s", Stats.Ratio(memoryRate, 50_000), memoryRate >= 50_000));
        ctx.Report.Target(new Target("2b", "inbound events/s ingested, SQLite store (median)",
            $"{Stats.PerSecond(sqliteRate)} ({Measure.F(sqliteRate / ceiling * 100, 1)}% of the websocket ceiling)",
            "≥ 20,000/s", Stats.Ratio(sqliteRate, 20_000), sqliteRate >= 20_000));
    }

    private static async Task<double> IngestAsync(SuiteContext ctx, ReportSection section, Bridge bridge, Emulator emulator, int count, string store, List<(string Name, double Rate)> runs)
    {
        Console.WriteLine($"inbound {store} {count} (load {SuiteContext.LoadAverage()})");
        var last = await BridgeProbe.LastSeqAsync(ctx.Http, bridge.Url, CancellationToken.None);
        section.Command($"POST {emulator.Control}flood?count={count}&size=1024, then GET {bridge.Url}messages?after={last + count - 1}&wait=10&max=1 until it returns the event");
        var cpuBefore = bridge.CpuSeconds();
        var start = Stopwatch.GetTimestamp();
        var flood = ctx.Http.PostAsync(new Uri(emulator.Control, $"/flood?count={count}&size=1024"), null);
        await BridgeProbe.WaitForSeqAsync(ctx.Http, bridge.Url, last + count, TimeSpan.FromMinutes(3), CancellationToken.None);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        using (var response = await flood)
        {
            response.EnsureSuccessStatusCode();
        }

        var rate = count / seconds;
        var cpu = (bridge.CpuSeconds() - cpuBefore) / count * 1e6;
        runs.Add(($"bridge, {store} (bridge CPU {Measure.F(cpu, 1)} µs/event)", rate));
        return rate;
    }
}
