using System.Globalization;
using System.Text.RegularExpressions;

namespace NymBridge.Bench.Tools.Suite;

/// <summary>One wrk run's figures, read from its text output (<c>--latency</c>).</summary>
/// <param name="CpuSeconds">wrk's own CPU time (user + system) over the run, from the suite's reaped children.</param>
internal sealed partial record WrkResult(double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, long Requests, long Non2xx, long SocketErrors, double CpuSeconds = 0)
{
    public static WrkResult Parse(string output)
    {
        double Latency(string percentile)
        {
            var m = Regex.Match(output, @"^\s*" + percentile + @"%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            if (!m.Success)
            {
                throw new FormatException($"wrk printed no {percentile}% latency:\n{output}");
            }

            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        }

        var rps = RequestsPerSecondPattern().Match(output);
        if (!rps.Success)
        {
            throw new FormatException($"wrk printed no Requests/sec:\n{output}");
        }

        var requests = RequestsPattern().Match(output);
        var non2xx = Non2xxPattern().Match(output);
        var errors = SocketErrorsPattern().Match(output);
        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Latency("50"), Latency("90"), Latency("99"),
            requests.Success ? long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            errors.Success ? errors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0);
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecondPattern();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsPattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xxPattern();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsPattern();
}
