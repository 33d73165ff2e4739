using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace NymBridge.Bench.Codec;

internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["--allocations", var output])
        {
            AllocationCheck.Run(output);
            return;
        }

        // In process and short: the codec paths are sub-microsecond and steady, and the whole suite
        // (bench/run.sh) must finish in 15 minutes on two shared cores. Fixed units in the CSV so the
        // report writer can read the numbers without parsing unit suffixes.
        var style = new SummaryStyle(CultureInfo.InvariantCulture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Nanosecond, printUnitsInContent: false);
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(8)
                .WithIterationTime(TimeInterval.FromMilliseconds(200)))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddExporter(new CsvExporter(CsvSeparator.Comma, style))
            .WithSummaryStyle(style);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
