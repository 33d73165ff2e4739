namespace NymBridge.Bench.Tools.Suite;

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static string MiB(double bytes) => Measure.F(bytes / (1024.0 * 1024.0)) + " MiB";

    public static string KiB(double bytes) => Measure.F(bytes / 1024.0, 2) + " KiB";

    public static string Ms(double ms) => Measure.F(ms, ms < 10 ? 2 : 1) + " ms";

    public static string PerSecond(double value) => Measure.F(value, 0) + "/s";

    public static string Ratio(double measured, double bound) => $"{Measure.F(measured / bound, 2)}× the bound";
}
