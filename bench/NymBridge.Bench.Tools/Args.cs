using System.Globalization;

namespace NymBridge.Bench.Tools;

/// <summary><c>--name value</c> pairs after the subcommand; every option has a default.</summary>
internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public Args(IEnumerable<string> args)
    {
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null)
                {
                    _values[key] = "true";
                }

                key = arg[2..];
                var eq = key.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    _values[key[..eq]] = key[(eq + 1)..];
                    key = null;
                }
            }
            else if (key is not null)
            {
                _values[key] = arg;
                key = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }

        if (key is not null)
        {
            _values[key] = "true";
        }
    }

    public string Get(string name, string fallback) => _values.TryGetValue(name, out var v) ? v : fallback;

    public string Require(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required.");

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _values.TryGetValue(name, out var v) && v != "false";

    public int[] Ints(string name, string fallback) =>
        [.. Get(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
}
