using System.Globalization;
using System.Text.RegularExpressions;

namespace NymBridge.Tests.Metrics;

/// <summary>A <c>GET /metrics</c> answer in the Prometheus text format, parsed into samples.</summary>
internal sealed partial class PrometheusScrape
{
    private readonly List<Sample> _samples;

    private PrometheusScrape(string text)
    {
        Text = text;
        _samples = [];
        foreach (var line in text.Split('\n'))
        {
            if (SampleLine().Match(line) is { Success: true } m)
            {
                var labels = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
                _samples.Add(new Sample(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
            }
        }
    }

    public string Text { get; }

    public static async Task<PrometheusScrape> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative)).DefaultTimeout();
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return new PrometheusScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The one sample of <paramref name="name"/> that has these labels (others may be there too, like otel_scope_name).</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var matching = _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        Assert.True(matching.Count == 1, $"expected one sample {name}{{{string.Join(",", labels.Select(l => $"{l.Key}=\"{l.Value}\""))}}}, found {matching.Count}");
        return matching[0].Value;
    }

    /// <summary>Every label set of a family, without the scope label the exporter adds.</summary>
    public IEnumerable<string> LabelSets(string name) =>
        _samples.Where(s => s.Name == name)
            .Select(s => string.Join(",", s.Labels.Where(l => l.Key != "otel_scope_name").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")))
            .Order(StringComparer.Ordinal);

    public string? TypeOf(string family) =>
        Text.Split('\n').FirstOrDefault(l => l.StartsWith($"# TYPE {family} ", StringComparison.Ordinal))?.Split(' ')[3];

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
