using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace NymBridge.Bench.Tools;

/// <summary>Small measuring helpers shared by the load commands and the suite.</summary>
internal static class Measure
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        // A step in which nothing arrived has no percentiles: NaN, not a crash.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The last line a load command prints: what the suite reads back.</summary>
    public const string ResultPrefix = "RESULT ";

    public static void PrintResult(object result) => Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, Json));

    /// <summary>VmRSS and VmHWM of a process, in bytes, from /proc.</summary>
    public static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kilobytes(line) * 1024;
            }
        }

        return (rss, hwm);
    }

    /// <summary>
    /// CPU time (user + system) a process has used, in seconds, from /proc/PID/stat. Unlike wall-clock
    /// throughput it hardly depends on what else the shared cores run, so CPU per operation compares
    /// builds fairly even on a busy machine.
    /// </summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name (which may contain spaces) in parentheses: state is field 3, utime 14, stime 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / (double)ClockTicksPerSecond;
    }

    /// <summary>USER_HZ: 100 on every Linux this runs on (the kernel ABI fixes it for /proc).</summary>
    private const int ClockTicksPerSecond = 100;

    /// <summary>Resets VmHWM to the current RSS (Linux 4.0+: write 5 to clear_refs), so the next peak is this run's.</summary>
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>A number from a RESULT: NaN is written as the string "NaN".</summary>
    public static double Number(this JsonElement element, string name)
    {
        var value = element.GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : double.Parse(value.GetString()!, CultureInfo.InvariantCulture);
    }

    public static double Milliseconds(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Nearest-rank percentile of an unsorted sample (sorted in place).</summary>
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        var rank = (int)Math.Ceiling(p / 100.0 * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }

    public static string F(double value, int decimals = 1) => value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
