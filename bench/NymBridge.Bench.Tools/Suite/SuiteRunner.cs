using System.Diagnostics;
using System.Globalization;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>
/// <c>suite --repo DIR --out BENCHMARKS.md [--sections outbound,inbound,fanout,longpoll,webhooks,codec,cluster] [--quick]</c>:
/// runs the sections in order, each with its own freshly started processes, and writes the report.
/// A section that fails leaves its targets NOT MEASURED and the error in the report; the others still run.
/// </summary>
internal static class SuiteRunner
{
    private static readonly string[] AllSections = ["outbound", "inbound", "fanout", "longpoll", "webhooks", "codec", "cluster"];

    public static async Task<int> RunAsync(Args args, CancellationToken stop)
    {
        var repo = Path.GetFullPath(args.Get("repo", "."));
        var output = Path.GetFullPath(args.Get("out", Path.Combine(repo, "BENCHMARKS.md")));
        var work = Path.GetFullPath(args.Get("work", Path.Combine(repo, "bench/out")));
        var quick = args.Flag("quick");
        var sections = args.Get("sections", string.Join(',', AllSections)).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        var report = new Report();
        var clock = Stopwatch.StartNew();
        await DescribeMachineAsync(report, repo, quick);
        using var ctx = new SuiteContext(repo, work, quick, report);
        var failed = 0;
        foreach (var name in AllSections.Where(sections.Contains))
        {
            stop.ThrowIfCancellationRequested();
            Console.WriteLine($"== {name} ({clock.Elapsed:mm\\:ss}, load {SuiteContext.LoadAverage()})");
            var sectionClock = Stopwatch.StartNew();
            try
            {
                await (name switch
                {
                    "outbound" => OutboundSection.RunAsync(ctx),
                    "inbound" => InboundSection.RunAsync(ctx),
                    "fanout" => FanOutSection.RunAsync(ctx),
                    "longpoll" => LongPollSection.RunAsync(ctx),
                    "webhooks" => WebhooksSection.RunAsync(ctx),
                    "cluster" => ClusterSection.RunAsync(ctx),
                    _ => CodecSection.RunAsync(ctx),
                });
            }
            catch (Exception e)
            {
                failed++;
                Console.Error.WriteLine($"section {name} failed: {e}");
                report.Section($"{name}: FAILED").Text($"The section failed, so its remaining targets were not measured:\n\n```\n{e.Message}\n```");
                report.Target(new Target(name, $"section {name} ran to the end", "failed: " + e.GetType().Name, "completes", "", null));
            }

            report.Machine.Add(($"section {name}", $"{sectionClock.Elapsed.TotalSeconds:F0} s, load average after: {SuiteContext.LoadAverage()}"));
        }

        report.Machine.Add(("suite duration", $"{clock.Elapsed.TotalMinutes:F1} min (plus the build in bench/run.sh)"));
        var notes = Path.Combine(repo, "bench/NOTES.md");
        if (File.Exists(notes))
        {
            report.Notes.Add((await File.ReadAllTextAsync(notes, stop)).Trim());
        }

        var command = args.Get("command", "bench/run.sh");
        await File.WriteAllTextAsync(output, report.ToMarkdown(command), stop);
        Console.WriteLine($"wrote {output} in {clock.Elapsed:mm\\:ss}");
        return failed == 0 ? 0 : 1;
    }

    private static async Task DescribeMachineAsync(Report report, string repo, bool quick)
    {
        string Cpu() => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        string MemTotal()
        {
            var kb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return $"{long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0:F1} GiB";
        }

        string Os() => File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') ?? "?"
            : "?";

        report.Machine.Add(("date (UTC)", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
        var commit = (await RunAsync("git", ["-C", repo, "rev-parse", "HEAD"])).Trim();
        var dirty = (await RunAsync("git", ["-C", repo, "status", "--porcelain", "--untracked-files=no"])).Trim().Length > 0;
        report.Machine.Add(("git commit", commit + (dirty ? " (with uncommitted changes)" : "")));
        report.Machine.Add(("cores (nproc)", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)));
        report.Machine.Add(("CPU", Cpu()));
        report.Machine.Add(("memory", MemTotal()));
        report.Machine.Add(("kernel", File.ReadAllText("/proc/sys/kernel/osrelease").Trim()));
        report.Machine.Add(("OS", Os()));
        report.Machine.Add(("dotnet --version", (await RunAsync("dotnet", ["--version"])).Trim()));
        report.Machine.Add(("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription));
        report.Machine.Add(("wrk", (await RunAsync("wrk", ["--version"])).Split('\n')[0].Trim()));
        report.Machine.Add(("ulimit -n", (await RunAsync("sh", ["-c", "ulimit -n"])).Trim()));
        report.Machine.Add(("load average at start", SuiteContext.LoadAverage()));
        if (quick)
        {
            report.Machine.Add(("mode", "--quick (shortened smoke run: figures are not comparable with the targets)"));
        }
    }

    private static async Task<string> RunAsync(string file, string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await stdout;
            return text.Length > 0 ? text : await stderr;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "(not found)";
        }
    }
}
