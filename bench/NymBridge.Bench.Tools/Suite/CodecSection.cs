using System.Globalization;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>Issue 6 §6: BenchmarkDotNet over the codecs (bench/NymBridge.Bench.Codec), read back from its CSV reports.</summary>
internal static class CodecSection
{
    public static async Task RunAsync(SuiteContext ctx)
    {
        var section = ctx.Report.Section("6. Codec (BenchmarkDotNet)");
        section.Text("In-process toolchain, 1 launch, 3 warm-up and 8 measured iterations of 200 ms, MemoryDiagnoser. Encode writes into an " +
                     "ArrayPool buffer (`Encode(request, Span<byte>)`) or a reused ArrayBufferWriter (`Encode(request, IBufferWriter<byte>)`). " +
                     "DecodeReceived is `ResponseCodec.TryDecode` of a frame that is already an array (the payload is a slice of it); " +
                     "CopyAndDecodeReceived adds what the bridge's reader does first, copying the frame out of its pooled receive buffer.");
        var artifacts = Path.Combine(ctx.Work, "bdn");
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        await using (var process = ctx.Start(section, "codec", "dotnet", [ctx.CodecDll, "--filter", "*", "--artifacts", artifacts]))
        {
            var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(8));
            if (code != 0)
            {
                throw new InvalidOperationException($"The codec benchmarks exited with {code}.");
            }
        }

        var results = Path.Combine(artifacts, "results");
        var encode = Read(Path.Combine(results, "NymBridge.Bench.Codec.EncodeBenchmarks-report.csv"));
        var decode = Read(Path.Combine(results, "NymBridge.Bench.Codec.DecodeBenchmarks-report.csv"));
        var validation = Read(Path.Combine(results, "NymBridge.Bench.Codec.ValidationBenchmarks-report.csv"));

        section.Table(["method", "request", "payload", "ns/op", "allocated B/op"],
            encode.Select(r => (IReadOnlyList<string>)[r["Method"], r["Kind"], Bytes(r["Size"]), r["Mean [ns]"], Allocated(r).ToString(CultureInfo.InvariantCulture)]));
        section.Table(["method", "payload", "sender tag", "ns/op", "allocated B/op"],
            decode.Select(r => (IReadOnlyList<string>)[r["Method"], Bytes(r["Size"]), r["WithSenderTag"], r["Mean [ns]"], Allocated(r).ToString(CultureInfo.InvariantCulture)]));
        section.Table(["method", "ns/op", "allocated B/op"],
            validation.Select(r => (IReadOnlyList<string>)[r["Method"], r["Mean [ns]"], Allocated(r).ToString(CultureInfo.InvariantCulture)]));

        // The exact check: bytes allocated by the encoding thread itself over 100,000 encodes per case.
        var exactPath = Path.Combine(artifacts, "allocations.csv");
        await using (var process = ctx.Start(section, "codec-allocations", "dotnet", [ctx.CodecDll, "--allocations", exactPath]))
        {
            if (await process.WaitForExitAsync(TimeSpan.FromMinutes(2)) != 0)
            {
                throw new InvalidOperationException("The allocation check failed.");
            }
        }

        var exact = Read(exactPath);
        var exactTotal = exact.Sum(r => long.Parse(r["AllocatedBytes"], CultureInfo.InvariantCulture));
        // Per operation: one object allocated per encode would be at least 24 B × 100,000; a few bytes in
        // total are one-time runtime work on the thread (tiered JIT), not the codec.
        var exactPerOp = exact.Max(r => long.Parse(r["AllocatedBytes"], CultureInfo.InvariantCulture) / double.Parse(r["Operations"], CultureInfo.InvariantCulture));
        section.Text($"Exact allocation check (`--allocations`): `GC.GetAllocatedBytesForCurrentThread` around 100,000 encodes of each of the " +
                     $"{exact.Count} cases (after 1,000 warm-up calls) adds up to {exactTotal:N0} bytes, at most {exactPerOp:0.#####} B per encode (a single " +
                     "object per encode would be 24 B or more; a few bytes in total are one-time runtime work such as tiered JIT). BenchmarkDotNet's in-process " +
                     "figure counts every thread of the process, so a background allocation can show as 1 B/op in a case with few " +
                     "operations per iteration; this check counts only the encoding thread.");
        var maxEncode = encode.Max(Allocated);
        ctx.Report.Target(new Target("6a", $"encode Send/SendAnonymous/Reply × 100 B/1 KiB/64 KiB into a pooled buffer (9 cases × 2 methods)",
            $"{exactPerOp:0.#####} B/op at most ({exactTotal:N0} B allocated by the encoding thread over {exact.Count} × 100,000 encodes; BenchmarkDotNet: max {maxEncode} B/op); " +
            $"{Measure.F(encode.Where(r => r["Size"] == "100").Select(Mean).Max(), 1)}–{Measure.F(encode.Where(r => r["Size"] == "65536").Select(Mean).Max(), 0)} ns/op (100 B–64 KiB, slowest case)",
            "0 B/op (under 1 B/op)", "", encode.Count == 18 && exact.Count == 18 && exactPerOp < 1));
        var decodes = decode.Where(r => r["Method"] == "DecodeReceived").ToList();
        var worst = decodes.Select(r => Allocated(r) / double.Parse(r["Size"], CultureInfo.InvariantCulture)).Max();
        ctx.Report.Target(new Target("6b", "decode Received: allocation at most the payload's own size",
            $"{string.Join(", ", decodes.Select(r => $"{Bytes(r["Size"])}{(r["WithSenderTag"] == "True" ? "+tag" : "")}: {Allocated(r)} B"))}",
            "≤ payload bytes", $"worst {Measure.F(worst, 2)}× the payload", decodes.Count == 6 && worst <= 1));
    }

    private static double Mean(Dictionary<string, string> row) => double.Parse(row["Mean [ns]"].Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static long Allocated(Dictionary<string, string> row) =>
        row["Allocated [B]"] is "-" or "" ? 0 : long.Parse(row["Allocated [B]"].Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static string Bytes(string size) => size switch { "100" => "100 B", "1024" => "1 KiB", "65536" => "64 KiB", _ => size + " B" };

    /// <summary>BenchmarkDotNet's CSV: comma-separated, values with commas quoted.</summary>
    private static List<Dictionary<string, string>> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = Split(lines[0]);
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => header.Zip(Split(l)).ToDictionary(p => p.First, p => p.Second))];
    }

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
